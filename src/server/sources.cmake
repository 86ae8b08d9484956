# rtai_server: HTTP, REST and the session WebSocket protocol.
# It links exactly the modules ARCHITECTURE.md lets it use.
add_library(rtai_server STATIC
    server/ApiCredentials.h server/ApiCredentials.cpp
    server/Authenticator.h server/Authenticator.cpp
    server/ClientIdentity.h
    server/ClientFrame.h server/ClientFrame.cpp
    server/ConnectionLimits.h server/ConnectionLimits.cpp
    server/ConnectionWatchdog.h server/ConnectionWatchdog.cpp
    server/ExposurePolicy.h server/ExposurePolicy.cpp
    server/GuardedTcpServer.h server/GuardedTcpServer.cpp
    server/HostPolicy.h server/HostPolicy.cpp
    server/HttpReply.h server/HttpReply.cpp
    server/HttpRequestHead.h server/HttpRequestHead.cpp
    server/HttpServer.h server/HttpServer.cpp
    server/JsonWebKey.h server/JsonWebKey.cpp
    server/JsonWebKeySet.h server/JsonWebKeySet.cpp
    server/JwksSource.h server/JwksSource.cpp
    server/JwtToken.h server/JwtToken.cpp
    server/JwtVerifier.h server/JwtVerifier.cpp
    server/OriginPolicy.h server/OriginPolicy.cpp
    server/Protocol.h server/Protocol.cpp
    server/RequestGuard.h server/RequestGuard.cpp
    server/ServerMetrics.h server/ServerMetrics.cpp
    server/NetworkThread.h server/NetworkThread.cpp
    server/SessionManager.h server/SessionManager.cpp
    server/SessionRouter.h server/SessionRouter.cpp
    server/SessionSocket.h server/SessionSocket.cpp
    server/SessionsApi.h server/SessionsApi.cpp
    server/AdminApi.h server/AdminApi.cpp
    server/AdminFeed.h server/AdminFeed.cpp
    server/UsageLimits.h server/UsageLimits.cpp
    server/WebSocketFrameGuard.h server/WebSocketFrameGuard.cpp
    server/WebSocketFrameScanner.h server/WebSocketFrameScanner.cpp
    server/WebSocketKeepalive.h server/WebSocketKeepalive.cpp
    server/WebSocketTextJoiner.h server/WebSocketTextJoiner.cpp
)
target_include_directories(rtai_server PUBLIC ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(rtai_server PUBLIC rtai_chat Qt6::WebSockets Qt6::HttpServer Qt6::Concurrent
                      PRIVATE OpenSSL::Crypto)
