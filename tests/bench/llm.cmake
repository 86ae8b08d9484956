rtai_add_benchmark(bench_llm SOURCES ${CMAKE_CURRENT_LIST_DIR}/bench_llm.cpp LIBS rtai_llm)
