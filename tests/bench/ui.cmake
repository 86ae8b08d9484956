rtai_add_benchmark(bench_console SOURCES ${CMAKE_CURRENT_LIST_DIR}/bench_console.cpp
                   LIBS rtai_app)
