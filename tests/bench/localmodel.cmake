rtai_add_benchmark(bench_localmodel SOURCES ${CMAKE_CURRENT_LIST_DIR}/bench_localmodel.cpp
                   LIBS rtai_chat)
add_dependencies(bench_localmodel realtime-ai)
