# Sources of src/chat; see src/CMakeLists.txt.
target_sources(realtime_core PRIVATE
    chat/ChatEvents.h chat/ChatEvents.cpp
    chat/ChatSettings.h
    chat/ContextWindow.h chat/ContextWindow.cpp
    chat/Conversation.h chat/Conversation.cpp
    chat/ConversationMemory.h chat/ConversationMemory.cpp
    chat/Summarizer.h chat/Summarizer.cpp
    chat/SummaryError.h chat/SummaryError.cpp
    chat/TurnOutcome.h
    chat/TurnRunner.h chat/TurnRunner.cpp
)
