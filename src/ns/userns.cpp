#include "ns/userns.hpp"

#include "core/unique_fd.hpp"

#include <cerrno>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace soulbox::ns {
namespace {

// Host ids from 2^30 up are far above any distribution's regular and subordinate ranges.
constexpr uid_t kRangeBase = 1u << 30;
constexpr int kSlots = 16384;

std::string slot_dir(const std::string& state_root) {
    return state_root + "/.idmap";
}

Status write_proc_file(pid_t pid, const char* name, const std::string& content) {
    std::string path = "/proc/" + std::to_string(pid) + "/" + name;
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd) return std::unexpected(sys_error("open " + path));
    if (::write(fd.get(), content.data(), content.size()) != static_cast<ssize_t>(content.size()))
        return std::unexpected(sys_error("write " + path));
    return {};
}

std::string read_small_file(const char* path) {
    UniqueFd fd(::open(path, O_RDONLY | O_CLOEXEC));
    if (!fd) return {};
    char buf[64];
    ssize_t n = ::read(fd.get(), buf, sizeof buf - 1);
    if (n <= 0) return {};
    std::string out(buf, static_cast<std::size_t>(n));
    while (!out.empty() && (out.back() == '\n' || out.back() == ' '))
        out.pop_back();
    return out;
}

} // namespace

Result<IdMapping> allocate_id_mapping(const std::string& state_root,
                                      const std::string& sandbox_id) {
    IdMapping mapping;
    if (::geteuid() != 0) {
        mapping.rootless = true;
        mapping.host_uid = ::geteuid();
        mapping.host_gid = ::getegid();
        return mapping;
    }
    std::string dir = slot_dir(state_root);
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
        return std::unexpected(sys_error("create " + dir));
    // Start at a pseudo-random slot so concurrent creators rarely contend.
    int start = static_cast<int>(std::hash<std::string>{}(sandbox_id) % kSlots);
    for (int i = 0; i < kSlots; ++i) {
        int slot = (start + i) % kSlots;
        std::string path = dir + "/" + std::to_string(slot);
        UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
        if (!fd) {
            if (errno == EEXIST) continue;
            return std::unexpected(sys_error("claim id range " + path));
        }
        (void)!::write(fd.get(), sandbox_id.data(), sandbox_id.size());
        mapping.slot = slot;
        mapping.host_uid = kRangeBase + static_cast<uid_t>(slot) * kIdRangeSize;
        mapping.host_gid = mapping.host_uid;
        return mapping;
    }
    return std::unexpected(make_error(Errc::limit_unenforceable,
                                      "no free host id range for a new sandbox (16384 in use)"));
}

void release_id_slot(const std::string& state_root, int slot, const std::string& sandbox_id) {
    if (slot < 0) return;
    std::string path = slot_dir(state_root) + "/" + std::to_string(slot);
    // Two releasers may race (a reaper and gc); only the slot's owner may free it, never a
    // newer sandbox that claimed the same slot in between.
    if (read_small_file(path.c_str()) == sandbox_id) ::unlink(path.c_str());
}

int collect_stale_id_slots(const std::string& state_root) {
    std::string dir = slot_dir(state_root);
    DIR* d = ::opendir(dir.c_str());
    if (!d) return 0;
    int removed = 0;
    while (dirent* entry = ::readdir(d)) {
        if (entry->d_name[0] == '.') continue;
        std::string path = dir + "/" + entry->d_name;
        std::string owner = read_small_file(path.c_str());
        struct stat st {};
        if (!owner.empty() && ::stat((state_root + "/" + owner).c_str(), &st) == 0) continue;
        if (::unlink(path.c_str()) == 0) ++removed;
    }
    ::closedir(d);
    return removed;
}

Status write_id_maps(pid_t pid, const IdMapping& mapping) {
    if (mapping.rootless) {
        // An unprivileged writer must give up setgroups before it may write gid_map.
        if (auto s = write_proc_file(pid, "setgroups", "deny"); !s) return s;
        if (auto s = write_proc_file(pid, "uid_map",
                                     std::to_string(kSandboxUserId) + " " +
                                         std::to_string(mapping.host_uid) + " 1\n");
            !s)
            return s;
        return write_proc_file(pid, "gid_map",
                               std::to_string(kSandboxUserId) + " " +
                                   std::to_string(mapping.host_gid) + " 1\n");
    }
    std::string uid_line =
        "0 " + std::to_string(mapping.host_uid) + " " + std::to_string(kIdRangeSize) + "\n";
    std::string gid_line =
        "0 " + std::to_string(mapping.host_gid) + " " + std::to_string(kIdRangeSize) + "\n";
    if (auto s = write_proc_file(pid, "uid_map", uid_line); !s) return s;
    return write_proc_file(pid, "gid_map", gid_line);
}

Error diagnose_userns_failure(int err) {
    std::string reason;
    if (read_small_file("/proc/sys/user/max_user_namespaces") == "0")
        reason = "user namespaces are disabled (sysctl user.max_user_namespaces=0)";
    else if (::geteuid() != 0 &&
             read_small_file("/proc/sys/kernel/unprivileged_userns_clone") == "0")
        reason = "unprivileged user namespaces are disabled (sysctl "
                 "kernel.unprivileged_userns_clone=0)";
    else if (::geteuid() != 0 &&
             read_small_file("/proc/sys/kernel/apparmor_restrict_unprivileged_userns") == "1")
        reason = "AppArmor restricts unprivileged user namespaces "
                 "(kernel.apparmor_restrict_unprivileged_userns=1); allow this program in an "
                 "AppArmor profile or run as root";
    else if (err == ENOSPC)
        reason = "the user namespace limit is reached (user.max_user_namespaces)";
    else if (err == EPERM)
        reason = "the kernel refused to create namespaces (a seccomp filter, LSM or container "
                 "runtime may forbid it)";
    else
        reason = "namespace creation failed";
    Error e = sys_error("create sandbox namespaces", err);
    e.code = Errc::unsupported;
    e.message = reason + " (" + e.message + ")";
    return e;
}

} // namespace soulbox::ns
