# Sources of src/tools; see src/CMakeLists.txt.
target_sources(realtime_core PRIVATE
    tools/CalculateShippingTool.h tools/CalculateShippingTool.cpp
    tools/CalculatorTool.h tools/CalculatorTool.cpp
    tools/ExpressionEvaluator.h tools/ExpressionEvaluator.cpp
    tools/GetCurrentTimeTool.h tools/GetCurrentTimeTool.cpp
    tools/JsonSchemaValidator.h tools/JsonSchemaValidator.cpp
    tools/Tool.h
    tools/ToolRegistry.h tools/ToolRegistry.cpp
    tools/ToolResult.h tools/ToolResult.cpp
)
