# Sources of src/llm; see src/CMakeLists.txt.
target_sources(realtime_core PRIVATE
    llm/LocalModel.h llm/LocalModel.cpp
    llm/LocalModelSettings.h llm/LocalModelSettings.cpp
)
