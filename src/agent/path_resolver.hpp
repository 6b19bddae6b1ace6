// Resolving caller-supplied paths inside a root directory, so that no "..", symlink (absolute
// or relative), or /proc magic link can lead outside it (../shared/SECURITY-CHECKLIST.md line 6).
//
// The agent uses this with root_fd = its own "/" (the sandbox root). The functions are pure
// (no global state), so unit tests run them on the host against a temporary tree, in both modes.
#pragma once

#include "core/unique_fd.hpp"
#include "soulbox/error.hpp"

#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

namespace soulbox::agent {

// Check a caller's path and make it absolute and lexically normal ("/a/b", "/" for the root):
// empty, NUL bytes or longer than PATH_MAX are invalid_argument; a relative path is taken
// relative to `home`; "." and ".." are folded ("/.." is "/"). The kernel still resolves
// symlinks; folding ".." first keeps every operation's last component a real name.
// Reject paths no call may take: empty, containing NUL, or PATH_MAX bytes or longer. The host
// library checks with this too, so a bad path fails before any message is sent.
Status validate_path(std::string_view path);

Result<std::string> normalize_path(std::string_view path, std::string_view home);

// "/a/b/c" -> {"a", "b", "c"}; "/" -> {}. `path` must be normalized.
std::vector<std::string> split_path(std::string_view path);
// {"a", "b"} -> "/a/b"; {} -> "/".
std::string join_path(const std::vector<std::string>& components, std::size_t count);

struct ResolveOptions {
    // openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS); false forces the component walk used
    // when the kernel has no openat2 (ENOSYS), so tests can exercise it.
    bool use_openat2 = true;
    // Follow a symlink in the last component (inside the root). Intermediate ones always are.
    bool follow_final = true;
};

// Open `path` (relative to root_fd; a leading "/" means root_fd) with `flags` (O_CLOEXEC is
// added; O_CREAT is not supported: create with *at() calls on an opened parent). Every symlink
// is interpreted as if root_fd were "/", ".." never climbs above root_fd, and magic links
// (/proc/<pid>/root, /proc/<pid>/fd/N, ...) fail with ELOOP. Errors carry the errno.
Result<UniqueFd> open_in_root(int root_fd, std::string_view path, int flags,
                              const ResolveOptions& options = {});

} // namespace soulbox::agent
