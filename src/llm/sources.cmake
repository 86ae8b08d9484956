# Sources of src/llm; see src/CMakeLists.txt.
target_sources(realtime_core PRIVATE
    llm/ChatRequest.h
    llm/LlmClient.h
    llm/LlmError.h
    llm/LlmResult.h
    llm/LlmSettings.h
    llm/LlmStream.h
    llm/LlmUsage.h
    llm/SseParser.h
    llm/ToolCallAssembler.h
)
