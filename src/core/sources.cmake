target_sources(realtime_core PRIVATE
    core/ChatMessage.h core/ChatMessage.cpp
    core/Config.h
    core/ConfigLoader.h core/ConfigLoader.cpp
    core/DotEnvFile.h core/DotEnvFile.cpp
    core/Event.h core/Event.cpp
    core/FutureCallbacks.h core/FutureCallbacks.cpp
    core/Ids.h core/Ids.cpp
    core/Logging.h core/Logging.cpp
    core/MessageError.h core/MessageError.cpp
    core/MetricsRegistry.h core/MetricsRegistry.cpp
    core/Session.h
    core/Timestamps.h core/Timestamps.cpp
)
