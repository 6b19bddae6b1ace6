// Names one host connection to the agent for as long as the agent runs. Socket fds are reused
// as soon as a connection closes; an id never is, so work that finishes after its connection
// went away (a file operation on the worker thread) can never reach a newer connection.
#pragma once

#include <cstdint>

namespace soulbox::agent {

using ConnectionId = std::uint64_t;
inline constexpr ConnectionId kNoConnection = 0; // ids start at 1

} // namespace soulbox::agent
