# Sources of src/tools; see src/CMakeLists.txt.
