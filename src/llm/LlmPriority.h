#pragma once

// Who is waiting for an LLM request: a person watching a reply (a turn), or background work
// (a session summary). When requests wait for a free connection, interactive ones go first.
enum class LlmPriority { Interactive, Background };
