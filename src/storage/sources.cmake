# Sources of src/storage; see src/CMakeLists.txt.
