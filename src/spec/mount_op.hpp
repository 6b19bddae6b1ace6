// One step of building a sandbox's root filesystem, as data (bubblewrap's SetupOp, nsjail's
// MountPt). A template is a list of these; the agent applies them in order inside the new mount
// namespace, under a tmpfs root sized by the disk limit, then pivots into it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace soulbox::spec {

enum class MountKind : std::uint8_t {
    dir,        // an empty directory (mode; owned by the sandbox user if user_owned)
    tmpfs,      // a fresh tmpfs (mode, size_bytes; 0 = half the root's size)
    overlay_ro, // a host directory, read-only, with inodes of its own (bind when overlay fails)
    bind,       // a host file or directory bind-mounted (read-only unless readonly is false)
    file,       // a regular file with the given content and mode
    copy,       // a small host file (<= 4 MiB) copied in, a host symlink recreated
    symlink,    // a symlink to source
    mirror,     // a host path as it is: a symlink becomes the same symlink, a directory overlay_ro
    proc,       // a fresh procfs for the sandbox's pid namespace, sensitive files masked
    dev,        // a minimal /dev: null zero full random urandom tty, a private devpts, shm
};

inline constexpr std::string_view kMountKindNames[] = {
    "dir", "tmpfs", "overlay_ro", "bind", "file", "copy", "symlink", "mirror", "proc", "dev"};

std::string_view mount_kind_name(MountKind kind);
std::optional<MountKind> mount_kind_from_name(std::string_view name);

struct MountOp {
    MountKind kind = MountKind::dir;
    std::string target;           // absolute, normalised path inside the sandbox
    std::string source;           // host path (overlay_ro, bind, copy, mirror) or link target
    std::string content;          // file
    std::uint32_t mode = 0;       // dir, file, tmpfs; 0 = the kind's default
    bool optional = false;        // a missing host source is skipped instead of failing
    bool readonly = true;         // bind
    bool user_owned = false;      // dir: chown to the sandbox user
    std::uint64_t size_bytes = 0; // tmpfs

    bool operator==(const MountOp&) const = default;
};

} // namespace soulbox::spec
