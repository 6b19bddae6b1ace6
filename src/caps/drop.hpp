// Becoming the sandbox user: runs in a freshly forked child of the agent, just before exec.
#pragma once

#include "soulbox/error.hpp"

#include <sys/types.h>

namespace soulbox::caps {

// Run once by the agent after setup: the bounding set limits only what a later exec may gain,
// so the agent keeps the capabilities it has while every process it starts inherits an empty
// bounding set (nothing exec'd, setuid binaries included, can gain a capability).
Status empty_bounding_set();

// In a child about to exec: clear the ambient set, switch to uid/gid (supplementary groups
// cleared where the namespace allows it), then clear every remaining capability.
Status become_unprivileged(uid_t uid, gid_t gid);

} // namespace soulbox::caps
