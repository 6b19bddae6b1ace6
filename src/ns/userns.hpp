// User namespace id mapping, done by the host for a new sandbox.
//
// Root on the host: ids 0..65535 inside map to a range of 65536 unused host ids owned by this
// sandbox alone, so root inside is nobody outside and two sandboxes never share a host id.
// Rootless: the kernel lets an unprivileged user map one id: the caller's uid becomes the
// sandbox user (1000) inside; there is no root inside.
#pragma once

#include "soulbox/error.hpp"

#include <cstdint>
#include <string>
#include <sys/types.h>

namespace soulbox::ns {

inline constexpr uid_t kSandboxUserId = 1000;
inline constexpr std::uint32_t kIdRangeSize = 65536;

struct IdMapping {
    bool rootless = false;
    uid_t host_uid = 0; // first host id of the range (rootless: the caller's uid)
    gid_t host_gid = 0;
    int slot = -1; // the claimed range (rootful), released with the sandbox
};

// Claim an id range for a sandbox (rootful) or describe the single mapping (rootless).
// Slots are files under <state_root>/.idmap, created with O_EXCL, so processes never collide.
Result<IdMapping> allocate_id_mapping(const std::string& state_root, const std::string& sandbox_id);
void release_id_slot(const std::string& state_root, int slot, const std::string& sandbox_id);
// Slots whose sandbox is gone (for gc).
int collect_stale_id_slots(const std::string& state_root);

// Write /proc/<pid>/{setgroups,uid_map,gid_map} for a child created with CLONE_NEWUSER.
Status write_id_maps(pid_t pid, const IdMapping& mapping);

// Explain why creating a user namespace failed with `err`, in words a user can act on.
Error diagnose_userns_failure(int err);

} // namespace soulbox::ns
