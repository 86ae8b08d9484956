rtai_add_benchmark(bench_server
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/bench_server.cpp
            ${CMAKE_CURRENT_LIST_DIR}/BenchDeployment.h ${CMAKE_CURRENT_LIST_DIR}/BenchDeployment.cpp
            ${CMAKE_CURRENT_LIST_DIR}/ProcStats.h ${CMAKE_CURRENT_LIST_DIR}/ProcStats.cpp
    LIBS Qt6::Test)
add_dependencies(bench_server realtime-ai mock-llm)
