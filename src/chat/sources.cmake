# Sources of src/chat; see src/CMakeLists.txt.
target_sources(realtime_core PRIVATE
    chat/ChatEvents.h chat/ChatEvents.cpp
    chat/ChatSettings.h
    chat/ContextWindow.h chat/ContextWindow.cpp
    chat/ConversationMemory.h chat/ConversationMemory.cpp
    chat/SummaryError.h chat/SummaryError.cpp
    chat/TurnOutcome.h
)
