rtai_add_benchmark(bench_storage SOURCES ${CMAKE_CURRENT_LIST_DIR}/bench_storage.cpp LIBS rtai_storage)
