#include "agent/path_resolver.hpp"

#include <cerrno>
#include <climits>
#include <deque>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace soulbox::agent {
namespace {

constexpr int kMaxSymlinks = 40; // as the kernel's own limit (MAXSYMLINKS)
constexpr ino_t kProcRootIno = 1;

Error path_error(std::string_view path, int err) {
    return sys_error("'" + std::string(path) + "'", err);
}

// Components as written, "." and ".." included (symlink targets are not normalized).
std::deque<std::string> raw_components(std::string_view path) {
    std::deque<std::string> out;
    std::size_t i = 0;
    while (i < path.size()) {
        std::size_t slash = path.find('/', i);
        if (slash == std::string_view::npos) slash = path.size();
        if (slash > i) out.emplace_back(path.substr(i, slash - i));
        i = slash + 1;
    }
    return out;
}

Result<UniqueFd> open_with_openat2(int root_fd, std::string_view path, int flags,
                                   bool follow_final) {
    open_how how{};
    how.flags = static_cast<std::uint64_t>(flags | O_CLOEXEC | (follow_final ? 0 : O_NOFOLLOW));
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    std::string target = path.empty() || path == "/" ? std::string(".") : std::string(path);
    // EAGAIN: a concurrent rename made the kernel unsure ".." stayed inside; retry a few times.
    for (int attempt = 0;; ++attempt) {
        long fd = ::syscall(SYS_openat2, root_fd, target.c_str(), &how, sizeof how);
        if (fd >= 0) return UniqueFd(static_cast<int>(fd));
        if (errno == EINTR || (errno == EAGAIN && attempt < 16)) continue;
        return std::unexpected(path_error(path, errno));
    }
}

// A procfs symlink below /proc/<pid>/ (root, cwd, exe, fd/N, ns/...) is a magic link: the
// kernel jumps to the object instead of reading the text. Plain procfs links (/proc/self,
// /proc/mounts) live directly in the procfs root.
bool is_magic_link(int dir_fd, int link_fd) {
    struct statfs fs {};
    if (::fstatfs(link_fd, &fs) != 0 || fs.f_type != PROC_SUPER_MAGIC) return false;
    struct stat dir {};
    return ::fstat(dir_fd, &dir) != 0 || dir.st_ino != kProcRootIno;
}

Result<std::string> read_link(int link_fd, std::string_view path) {
    char buf[PATH_MAX];
    ssize_t n = ::readlinkat(link_fd, "", buf, sizeof buf);
    if (n < 0) return std::unexpected(path_error(path, errno));
    if (n == 0 || n == sizeof buf)
        return std::unexpected(path_error(path, n == 0 ? ENOENT : ELOOP));
    return std::string(buf, static_cast<std::size_t>(n));
}

// The fallback: one component at a time, never letting the kernel follow anything. `stack`
// holds the directories walked from the root, so ".." is a pop and can never leave the root.
Result<UniqueFd> open_by_walking(int root_fd, std::string_view path, int flags, bool follow_final) {
    flags |= O_CLOEXEC;
    std::vector<UniqueFd> stack;
    auto current = [&] { return stack.empty() ? root_fd : stack.back().get(); };
    std::deque<std::string> remaining = raw_components(path);
    int links = 0;
    while (!remaining.empty()) {
        std::string name = std::move(remaining.front());
        remaining.pop_front();
        bool last = remaining.empty();
        if (name == ".") continue;
        if (name == "..") {
            if (!stack.empty()) stack.pop_back();
            continue;
        }
        UniqueFd node(::openat(current(), name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
        if (!node) return std::unexpected(path_error(path, errno));
        struct stat st {};
        if (::fstat(node.get(), &st) != 0) return std::unexpected(path_error(path, errno));
        if (S_ISLNK(st.st_mode) && (!last || follow_final)) {
            if (is_magic_link(current(), node.get()) || ++links > kMaxSymlinks)
                return std::unexpected(path_error(path, ELOOP));
            auto target = read_link(node.get(), path);
            if (!target) return std::unexpected(target.error());
            if ((*target)[0] == '/') stack.clear();
            auto parts = raw_components(*target);
            remaining.insert(remaining.begin(), parts.begin(), parts.end());
            continue;
        }
        if (last) {
            // Open the name itself; O_NOFOLLOW makes a symlink swapped in meanwhile fail (ELOOP)
            // instead of being followed.
            UniqueFd fd(::openat(current(), name.c_str(), flags | O_NOFOLLOW));
            if (!fd) return std::unexpected(path_error(path, errno));
            return fd;
        }
        if (!S_ISDIR(st.st_mode)) return std::unexpected(path_error(path, ENOTDIR));
        stack.push_back(std::move(node));
    }
    // The path named a directory already walked (the root, or it ended in "." or "..").
    UniqueFd fd(::openat(current(), ".", flags));
    if (!fd) return std::unexpected(path_error(path, errno));
    return fd;
}

} // namespace

Status validate_path(std::string_view path) {
    if (path.empty()) return std::unexpected(make_error(Errc::invalid_argument, "empty path"));
    if (path.find('\0') != std::string_view::npos)
        return std::unexpected(make_error(Errc::invalid_argument, "path contains a NUL byte"));
    if (path.size() >= PATH_MAX)
        return std::unexpected(
            make_error(Errc::invalid_argument, "path too long (" + std::to_string(path.size()) +
                                                   " bytes, the limit is " +
                                                   std::to_string(PATH_MAX - 1) + ")"));
    return {};
}

Result<std::string> normalize_path(std::string_view path, std::string_view home) {
    if (auto valid = validate_path(path); !valid) return std::unexpected(valid.error());
    std::string full =
        path[0] == '/' ? std::string(path) : std::string(home) + "/" + std::string(path);
    std::vector<std::string> parts;
    for (auto& name : raw_components(full)) {
        if (name == ".") continue;
        if (name == "..") {
            if (!parts.empty()) parts.pop_back();
            continue;
        }
        parts.push_back(std::move(name));
    }
    return join_path(parts, parts.size());
}

std::vector<std::string> split_path(std::string_view path) {
    auto parts = raw_components(path);
    return {std::make_move_iterator(parts.begin()), std::make_move_iterator(parts.end())};
}

std::string join_path(const std::vector<std::string>& components, std::size_t count) {
    if (count == 0) return "/";
    std::string out;
    for (std::size_t i = 0; i < count && i < components.size(); ++i)
        out += "/" + components[i];
    return out;
}

Result<UniqueFd> open_in_root(int root_fd, std::string_view path, int flags,
                              const ResolveOptions& options) {
    if (flags & O_CREAT)
        return std::unexpected(make_error(Errc::internal, "open_in_root cannot create files"));
    if (options.use_openat2) {
        auto fd = open_with_openat2(root_fd, path, flags, options.follow_final);
        if (fd || fd.error().sys_errno != ENOSYS) return fd;
    }
    return open_by_walking(root_fd, path, flags, options.follow_final);
}

} // namespace soulbox::agent
