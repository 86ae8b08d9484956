# rtai_core: the value types, configuration, logging, metrics and future helpers everything uses.
# It links exactly the modules ARCHITECTURE.md lets it use.
add_library(rtai_core STATIC
    core/ChatMessage.h core/ChatMessage.cpp
    core/Config.h
    core/ConfigLoader.h core/ConfigLoader.cpp
    core/ConfigSetting.h
    core/ConfigTable.h core/ConfigTable.cpp
    core/DotEnvFile.h core/DotEnvFile.cpp
    core/Event.h core/Event.cpp
    core/FutureCallbacks.h core/FutureCallbacks.cpp
    core/Ids.h core/Ids.cpp
    core/LogBuffer.h core/LogBuffer.cpp
    core/LogCapture.h core/LogCapture.cpp
    core/LogLine.h
    core/Logging.h core/Logging.cpp
    core/MessageError.h core/MessageError.cpp
    core/MetricsRegistry.h core/MetricsRegistry.cpp
    core/ModelPrices.h core/ModelPrices.cpp
    core/Readiness.h core/Readiness.cpp
    core/RecordJson.h core/RecordJson.cpp
    core/Session.h
    core/SessionUsage.h
    core/SessionTitle.h core/SessionTitle.cpp
    core/Timestamps.h core/Timestamps.cpp
    core/TokenBucket.h core/TokenBucket.cpp
)
target_include_directories(rtai_core PUBLIC ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(rtai_core PUBLIC Qt6::Core Qt6::Network)
