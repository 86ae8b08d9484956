# rtai_tools: the tools the model can call.
# It links exactly the modules ARCHITECTURE.md lets it use.
add_library(rtai_tools STATIC
    tools/CalculateShippingTool.h tools/CalculateShippingTool.cpp
    tools/CalculatorTool.h tools/CalculatorTool.cpp
    tools/ExpressionEvaluator.h tools/ExpressionEvaluator.cpp
    tools/GetCurrentTimeTool.h tools/GetCurrentTimeTool.cpp
    tools/JsonSchemaValidator.h tools/JsonSchemaValidator.cpp
    tools/Tool.h
    tools/ToolRegistry.h tools/ToolRegistry.cpp
    tools/ToolResult.h tools/ToolResult.cpp
)
target_include_directories(rtai_tools PUBLIC ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(rtai_tools PUBLIC rtai_core Qt6::Concurrent)
