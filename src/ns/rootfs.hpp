// The sandbox's root filesystem, built by the agent inside its own mount namespace.
#pragma once

#include "soulbox/error.hpp"

#include <cstdint>
#include <string>
#include <sys/types.h>

namespace soulbox::ns {

struct RootfsPlan {
    std::string hostname;
    uid_t user_uid = 1000; // the `user` account inside
    gid_t user_gid = 1000;
    bool rootless = false;        // only user_uid is mapped; no uid 0, no gid 5
    std::uint64_t disk_bytes = 0; // size of the writable tmpfs root (0 = kernel default)
};

// Build the `host` template: a tmpfs root holding host /usr read-only, a synthetic /etc, a
// minimal /dev, a fresh /proc with masked paths, writable /home/user and /tmp; then pivot_root
// into it and detach the old root. Must run in a fresh mount + user + pid namespace.
Status build_host_rootfs(const RootfsPlan& plan);

} // namespace soulbox::ns
