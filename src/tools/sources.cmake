# Sources of src/tools; see src/CMakeLists.txt.
target_sources(realtime_core PRIVATE
    tools/CalculateShippingTool.h
    tools/CalculatorTool.h
    tools/ExpressionEvaluator.h
    tools/GetCurrentTimeTool.h
    tools/JsonSchemaValidator.h
    tools/Tool.h
    tools/ToolRegistry.h
    tools/ToolResult.h
)
