# Sources of src/server; see src/CMakeLists.txt.
target_sources(realtime_core PRIVATE
    server/Backend.h server/Backend.cpp
    server/HttpServer.h server/HttpServer.cpp
    server/JsonFormat.h server/JsonFormat.cpp
    server/ServerMetrics.h server/ServerMetrics.cpp
    server/SessionManager.h server/SessionManager.cpp
    server/SessionSocket.h server/SessionSocket.cpp
    server/SummaryScheduler.h server/SummaryScheduler.cpp
)
