// The sandbox's root filesystem, built by the agent inside its own mount namespace by applying
// the spec's mount list (spec/mount_op.hpp) in order.
#pragma once

#include "soulbox/error.hpp"
#include "spec/mount_op.hpp"

#include <cstdint>
#include <sys/types.h>
#include <vector>

namespace soulbox::ns {

struct RootfsPlan {
    std::vector<spec::MountOp> mounts;
    uid_t user_uid = 1000; // owner of `user_owned` directories
    gid_t user_gid = 1000;
    bool rootless = false;        // only user_uid is mapped; no uid 0, no gid 5
    std::uint64_t disk_bytes = 0; // size of the writable tmpfs root (0 = kernel default)
};

// Mount a tmpfs root, apply the mount list under it, then pivot_root into it and detach the
// old root. Must run in a fresh mount + user + pid namespace.
Status build_rootfs(const RootfsPlan& plan);

} // namespace soulbox::ns
