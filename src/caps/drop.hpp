// Becoming the sandbox user: runs in a freshly forked child of the agent, just before exec.
#pragma once

#include "soulbox/error.hpp"

#include <sys/types.h>

namespace soulbox::caps {

// Empty the bounding and ambient sets, switch to uid/gid (supplementary groups cleared where
// the namespace allows it), then clear every remaining capability. After this nothing the
// process execs can regain a capability, setuid binaries included.
Status become_unprivileged(uid_t uid, gid_t gid);

} // namespace soulbox::caps
