# Sources of src/server; see src/CMakeLists.txt.
