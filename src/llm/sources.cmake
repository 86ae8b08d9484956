# rtai_llm: the LLM client, its connection pool and the local model.
# It links exactly the modules ARCHITECTURE.md lets it use.
add_library(rtai_llm STATIC
    llm/ChatRequest.h llm/ChatRequest.cpp
    llm/LlmCircuitBreaker.h llm/LlmCircuitBreaker.cpp
    llm/LlmClient.h llm/LlmClient.cpp
    llm/LlmConnectionTest.h llm/LlmConnectionTest.cpp
    llm/LlmEndpoint.h llm/LlmEndpoint.cpp
    llm/LlmEndpointClaim.h llm/LlmEndpointClaim.cpp
    llm/LlmEndpointProbe.h llm/LlmEndpointProbe.cpp
    llm/LlmError.h llm/LlmError.cpp
    llm/LlmFailure.h
    llm/LlmFailures.h llm/LlmFailures.cpp
    llm/LlmNetworkPool.h llm/LlmNetworkPool.cpp
    llm/LlmPhaseTimer.h llm/LlmPhaseTimer.cpp
    llm/LlmPriority.h
    llm/LlmProviderPreset.h llm/LlmProviderPreset.cpp
    llm/LlmReplyFormat.h llm/LlmReplyFormat.cpp
    llm/LlmReplyReader.h llm/LlmReplyReader.cpp
    llm/LlmRequestQueue.h llm/LlmRequestQueue.cpp
    llm/LlmResult.h
    llm/LlmRetryPolicy.h llm/LlmRetryPolicy.cpp
    llm/LlmSettings.h
    llm/LlmSetupAdvice.h llm/LlmSetupAdvice.cpp
    llm/LlmStream.h llm/LlmStream.cpp
    llm/LlmTlsTrust.h llm/LlmTlsTrust.cpp
    llm/OpenAiStreamDecoder.h llm/OpenAiStreamDecoder.cpp
    llm/LlmUsage.h
    llm/SseParser.h llm/SseParser.cpp
    llm/ToolCallAssembler.h llm/ToolCallAssembler.cpp
)

# The bundled local model (area localmodel).
target_sources(rtai_llm PRIVATE
    llm/LocalModel.h llm/LocalModel.cpp
    llm/LocalModelSettings.h llm/LocalModelSettings.cpp
)
target_include_directories(rtai_llm PUBLIC ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(rtai_llm PUBLIC rtai_core Qt6::Network)
