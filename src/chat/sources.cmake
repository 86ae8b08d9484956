# rtai_chat: conversations, turns and summaries.
# It links exactly the modules ARCHITECTURE.md lets it use.
add_library(rtai_chat STATIC
    chat/ChatEvents.h chat/ChatEvents.cpp
    chat/ChatSettings.h
    chat/ContextWindow.h chat/ContextWindow.cpp
    chat/Conversation.h chat/Conversation.cpp
    chat/ConversationFeed.h chat/ConversationFeed.cpp
    chat/ConversationMemory.h chat/ConversationMemory.cpp
    chat/SessionService.h chat/SessionService.cpp
    chat/Summarizer.h chat/Summarizer.cpp
    chat/SummaryScheduler.h chat/SummaryScheduler.cpp
    chat/SummaryError.h chat/SummaryError.cpp
    chat/TurnOutcome.h
    chat/TurnRunner.h chat/TurnRunner.cpp
)
target_include_directories(rtai_chat PUBLIC ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(rtai_chat PUBLIC rtai_llm rtai_tools rtai_storage)
