# Sources of src/storage; see src/CMakeLists.txt.
target_sources(realtime_core PRIVATE
    storage/Database.h storage/Database.cpp
    storage/SessionPage.h
    storage/SessionQuery.h
    storage/StorageError.h storage/StorageError.cpp
)
