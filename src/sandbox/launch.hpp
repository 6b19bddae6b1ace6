// Starting a sandbox's agent: clone3 into fresh namespaces, map ids, exec the sealed agent.
//
// The host process may be multithreaded (Python, Node), so between clone and exec the child
// makes raw system calls only: everything it needs is prepared here first, and it allocates
// nothing and takes no locks.
#pragma once

#include "core/unique_fd.hpp"
#include "ns/userns.hpp"
#include "soulbox/error.hpp"

#include <functional>
#include <sys/types.h>

namespace soulbox::sandbox {

struct LaunchPlan {
    ns::IdMapping ids;
    int cgroup_fd = -1; // cgroup v2 directory for CLONE_INTO_CGROUP, or -1
    // Called after clone, before the child runs anything (cgroup v1 placement).
    std::function<Status(pid_t)> place_child;
};

struct LaunchedAgent {
    pid_t pid = -1;
    UniqueFd pidfd;
    UniqueFd socket; // the host's end of the bootstrap connection
};

// On success the agent is running and waits for its setup message on `socket`.
Result<LaunchedAgent> launch_agent(const LaunchPlan& plan);

} // namespace soulbox::sandbox
