// Signalling a process together with everything it started.
#pragma once

#include <sys/types.h>

namespace soulbox::agent {

// Signal `root`, its process group and every descendant still attached to it (found through
// /proc). A process that double-forks away is reparented to the agent and is only stopped by
// the sandbox's end.
void signal_tree(pid_t root, int sig);

} // namespace soulbox::agent
