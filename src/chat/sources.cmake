# Sources of src/chat; see src/CMakeLists.txt.
