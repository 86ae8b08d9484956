# Sources of src/llm; see src/CMakeLists.txt.
