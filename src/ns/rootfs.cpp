#include "ns/rootfs.hpp"

#include "core/unique_fd.hpp"

#include <array>
#include <cerrno>
#include <climits>
#include <fcntl.h>
#include <linux/mount.h>
#include <string>
#include <string_view>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace soulbox::ns {
namespace {

// Where the new root is assembled: a path that exists on any host, shadowed only inside our
// private mount namespace and gone after pivot_root.
constexpr const char* kNewRoot = "/tmp";

std::string at(std::string_view path) {
    return std::string(kNewRoot) + std::string(path);
}

Status fail(std::string_view what, const std::string& path) {
    return std::unexpected(sys_error(std::string(what) + " " + path));
}

// The list is applied before pivot_root, when a symlink in the new root could point at a host
// path: no component of a target may be a symlink (nothing else runs in the sandbox yet, so
// checking and then using the path is not racy).
Status require_directory(const std::string& full) {
    struct stat st {};
    if (::lstat(full.c_str(), &st) != 0) return fail("stat", full);
    if (!S_ISDIR(st.st_mode))
        return std::unexpected(
            make_error(Errc::not_a_directory, full + " is not a directory (or is a symlink)"));
    return {};
}

// Parents of a mount target that the list did not create.
Status make_parents(std::string_view path) {
    for (std::size_t slash = path.find('/', 1); slash != std::string_view::npos;
         slash = path.find('/', slash + 1)) {
        std::string full = at(path.substr(0, slash));
        if (::mkdir(full.c_str(), 0755) != 0 && errno != EEXIST) return fail("mkdir", full);
        if (auto s = require_directory(full); !s) return s;
    }
    return {};
}

Status make_dir(std::string_view path, mode_t mode) {
    if (auto s = make_parents(path); !s) return s;
    std::string full = at(path);
    if (::mkdir(full.c_str(), mode) != 0 && errno != EEXIST) return fail("mkdir", full);
    if (auto s = require_directory(full); !s) return s;
    // mkdir applies the umask; set the exact mode (1777 for /tmp).
    if (::chmod(full.c_str(), mode) != 0) return fail("chmod", full);
    return {};
}

Status write_file(std::string_view path, std::string_view content, mode_t mode) {
    if (auto s = make_parents(path); !s) return s;
    std::string full = at(path);
    UniqueFd fd(::open(full.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode));
    if (!fd) return fail("create", full);
    while (!content.empty()) {
        ssize_t n = ::write(fd.get(), content.data(), content.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return fail("write", full);
        content.remove_prefix(static_cast<std::size_t>(n));
    }
    return {};
}

Status make_symlink(std::string_view target, std::string_view path) {
    if (auto s = make_parents(path); !s) return s;
    std::string full = at(path);
    if (::symlink(std::string(target).c_str(), full.c_str()) != 0) return fail("symlink", full);
    return {};
}

// Add read-only, nosuid, nodev to a mount and everything below it. The new mount API only adds
// flags; the legacy remount must restate the flags the kernel has locked for us.
Status make_readonly(const std::string& path, bool recursive) {
    mount_attr attr{};
    attr.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
    if (::syscall(SYS_mount_setattr, AT_FDCWD, path.c_str(), recursive ? AT_RECURSIVE : 0, &attr,
                  sizeof attr) == 0)
        return {};
    if (errno != ENOSYS) return fail("mount_setattr", path);
    struct statvfs sv {};
    if (::statvfs(path.c_str(), &sv) != 0) return fail("statvfs", path);
    unsigned long flags = MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV;
    if (sv.f_flag & ST_NOEXEC) flags |= MS_NOEXEC;
    if (sv.f_flag & ST_NOATIME) flags |= MS_NOATIME;
    if (sv.f_flag & ST_NODIRATIME) flags |= MS_NODIRATIME;
    if (sv.f_flag & ST_RELATIME) flags |= MS_RELATIME;
    if (::mount(nullptr, path.c_str(), nullptr, flags, nullptr) != 0) return fail("remount", path);
    return {};
}

// Bind a host directory read-only at the same place in the new root (overlay fallback).
Status bind_readonly(const std::string& host_dir, std::string_view target) {
    std::string full = at(target);
    if (::mount(host_dir.c_str(), full.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0)
        return fail("bind mount", host_dir);
    return make_readonly(full, true);
}

// An empty directory that pads each read-only overlay to the two layers the kernel requires
// when there is no upper layer; removed again before pivot_root.
constexpr const char* kEmptyLayer = "/.soulbox-empty";

// A read-only view of a host directory with inodes of its own: an overlay, not a bind mount,
// so a lock a sandbox takes on a shared file (flock, fcntl) is private to that sandbox and
// cannot block other sandboxes or the host. Kernels that refuse overlay in a user namespace
// get a bind mount (then locks are shared).
Status overlay_readonly(const std::string& host_dir, std::string_view target) {
    if (auto s = make_dir(target, 0755); !s) return s;
    std::string full = at(target);
    std::string options = "lowerdir=" + host_dir + ":" + at(kEmptyLayer);
    if (::mount("overlay", full.c_str(), "overlay", MS_RDONLY | MS_NOSUID | MS_NODEV,
                options.c_str()) == 0)
        return {};
    if (errno != ENODEV && errno != EINVAL && errno != EPERM) return fail("mount overlay", full);
    return bind_readonly(host_dir, target);
}

// Small host files are copied (symlinks recreated), so each sandbox has its own inode.
Status copy_in(const std::string& host_path, std::string_view target) {
    struct stat st {};
    if (::lstat(host_path.c_str(), &st) != 0) return fail("stat", host_path);
    if (S_ISLNK(st.st_mode)) {
        char link[PATH_MAX];
        ssize_t n = ::readlink(host_path.c_str(), link, sizeof link - 1);
        if (n <= 0) return fail("readlink", host_path);
        link[n] = '\0';
        return make_symlink(link, target);
    }
    if (!S_ISREG(st.st_mode) || st.st_size > (4 << 20))
        return std::unexpected(make_error(
            Errc::invalid_argument, "copy " + host_path + ": not a regular file of at most 4 MiB"));
    UniqueFd in(::open(host_path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!in) return fail("open", host_path);
    std::string content(static_cast<std::size_t>(st.st_size), '\0');
    std::size_t got = 0;
    while (got < content.size()) {
        ssize_t n = ::read(in.get(), content.data() + got, content.size() - got);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return fail("read", host_path);
        if (n == 0) break;
        got += static_cast<std::size_t>(n);
    }
    content.resize(got);
    return write_file(target, content, 0644);
}

// Host device nodes cannot be created in a user namespace (mknod needs init-namespace
// privileges), so the few safe ones are bind-mounted onto empty files.
Status populate_dev(bool rootless) {
    if (auto s = make_dir("/dev", 0755); !s) return s;
    for (const char* node : {"null", "zero", "full", "random", "urandom", "tty"}) {
        std::string target = std::string("/dev/") + node;
        if (auto s = write_file(target, "", 0666); !s) return s;
        std::string full = at(target);
        if (::mount(("/dev/" + std::string(node)).c_str(), full.c_str(), nullptr, MS_BIND,
                    nullptr) != 0)
            return fail("bind device", full);
    }
    if (auto s = make_dir("/dev/pts", 0755); !s) return s;
    // A private devpts instance: the sandbox sees only its own terminals.
    std::string pts_opts = rootless ? "newinstance,ptmxmode=0666,mode=0620"
                                    : "newinstance,ptmxmode=0666,mode=0620,gid=5";
    if (::mount("devpts", at("/dev/pts").c_str(), "devpts", MS_NOSUID | MS_NOEXEC,
                pts_opts.c_str()) != 0)
        return fail("mount devpts", at("/dev/pts"));
    if (auto s = make_dir("/dev/shm", 01777); !s) return s;
    for (auto [target, link] : std::array<std::pair<const char*, const char*>, 5>{{
             {"pts/ptmx", "/dev/ptmx"},
             {"/proc/self/fd", "/dev/fd"},
             {"/proc/self/fd/0", "/dev/stdin"},
             {"/proc/self/fd/1", "/dev/stdout"},
             {"/proc/self/fd/2", "/dev/stderr"},
         }})
        if (auto s = make_symlink(target, link); !s) return s;
    return {};
}

// A fresh procfs for the new pid namespace, with the kernel's sensitive files hidden and the
// tunables read-only (checklist line 4).
Status mount_proc() {
    if (auto s = make_dir("/proc", 0555); !s) return s;
    std::string proc = at("/proc");
    if (::mount("proc", proc.c_str(), "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0)
        return fail("mount proc", proc);
    for (const char* file : {"kcore", "keys", "key-users", "timer_list", "sched_debug",
                             "latency_stats", "sysrq-trigger", "kallsyms", "config.gz",
                             "kpagecount", "kpageflags", "kpagecgroup", "vmallocinfo"}) {
        std::string path = proc + "/" + file;
        if (::access(path.c_str(), F_OK) != 0) continue;
        if (::mount("/dev/null", path.c_str(), nullptr, MS_BIND, nullptr) != 0)
            return fail("mask", path);
    }
    for (const char* dir : {"acpi", "scsi", "asound", "bus/pci"}) {
        std::string path = proc + "/" + dir;
        struct stat st {};
        if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) continue;
        if (::mount("tmpfs", path.c_str(), "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                    "size=0,mode=0555") != 0)
            return fail("mask", path);
    }
    for (const char* dir : {"sys", "irq", "bus", "fs"}) {
        std::string path = proc + "/" + dir;
        if (::access(path.c_str(), F_OK) != 0) continue;
        if (::mount(path.c_str(), path.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0)
            return fail("bind", path);
        if (auto s = make_readonly(path, true); !s) return s;
    }
    return {};
}

// A host file or directory at target, read-only unless asked otherwise.
Status bind_host(const spec::MountOp& op) {
    struct stat st {};
    if (::stat(op.source.c_str(), &st) != 0) return fail("stat", op.source);
    if (S_ISDIR(st.st_mode)) {
        if (auto s = make_dir(op.target, 0755); !s) return s;
    } else if (auto s = write_file(op.target, "", 0644); !s) {
        return s;
    }
    std::string full = at(op.target);
    if (::mount(op.source.c_str(), full.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0)
        return fail("bind mount", op.source);
    return op.readonly ? make_readonly(full, true) : Status{};
}

Status mount_tmpfs(const spec::MountOp& op) {
    if (auto s = make_dir(op.target, 0755); !s) return s;
    std::string options = "mode=" + std::to_string(op.mode ? op.mode : 0755);
    if (op.size_bytes) options += ",size=" + std::to_string(op.size_bytes);
    std::string full = at(op.target);
    if (::mount("tmpfs", full.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, options.c_str()) != 0)
        return fail("mount tmpfs on", full);
    return {};
}

// A host path as it is: merged-/usr hosts have /bin -> usr/bin links, older ones directories.
Status mirror(const spec::MountOp& op) {
    char target[PATH_MAX];
    ssize_t n = ::readlink(op.source.c_str(), target, sizeof target - 1);
    if (n > 0) {
        target[n] = '\0';
        return make_symlink(target, op.target);
    }
    return overlay_readonly(op.source, op.target);
}

bool host_source_missing(const spec::MountOp& op) {
    using spec::MountKind;
    if (op.kind != MountKind::overlay_ro && op.kind != MountKind::bind &&
        op.kind != MountKind::copy && op.kind != MountKind::mirror)
        return false;
    struct stat st {};
    if (::lstat(op.source.c_str(), &st) != 0) return true;
    // An overlay needs a directory (through a symlink too); a mirror takes either.
    if (op.kind == MountKind::overlay_ro)
        return ::stat(op.source.c_str(), &st) != 0 || !S_ISDIR(st.st_mode);
    return false;
}

Status apply(const spec::MountOp& op, const RootfsPlan& plan) {
    using spec::MountKind;
    if (host_source_missing(op)) {
        if (op.optional) return {};
        return std::unexpected(make_error(
            Errc::not_found, std::string(spec::mount_kind_name(op.kind)) + " " + op.target +
                                 ": host path " + op.source + " does not exist"));
    }
    switch (op.kind) {
    case MountKind::dir: {
        if (auto s = make_dir(op.target, op.mode ? op.mode : 0755); !s) return s;
        std::string full = at(op.target);
        if (op.user_owned && ::chown(full.c_str(), plan.user_uid, plan.user_gid) != 0)
            return fail("chown", full);
        return {};
    }
    case MountKind::tmpfs:
        return mount_tmpfs(op);
    case MountKind::overlay_ro:
        return overlay_readonly(op.source, op.target);
    case MountKind::bind:
        return bind_host(op);
    case MountKind::file:
        return write_file(op.target, op.content, op.mode ? op.mode : 0644);
    case MountKind::copy:
        return copy_in(op.source, op.target);
    case MountKind::symlink:
        return make_symlink(op.source, op.target);
    case MountKind::mirror:
        return mirror(op);
    case MountKind::proc:
        return mount_proc();
    case MountKind::dev:
        return populate_dev(plan.rootless);
    }
    return std::unexpected(make_error(Errc::protocol, "unknown mount kind"));
}

} // namespace

Status build_rootfs(const RootfsPlan& plan) {
    // Nothing we mount may propagate back to the host.
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
        return fail("make mounts private", "/");
    std::string options = "mode=0755";
    if (plan.disk_bytes > 0) {
        // One inode per 2 KiB of space bounds "millions of files" together with the size.
        options += ",size=" + std::to_string(plan.disk_bytes) +
                   ",nr_inodes=" + std::to_string(plan.disk_bytes / 2048 + 1024);
    }
    if (::mount("tmpfs", kNewRoot, "tmpfs", MS_NOSUID | MS_NODEV, options.c_str()) != 0)
        return fail("mount root tmpfs on", kNewRoot);
    if (auto s = make_dir(kEmptyLayer, 0555); !s) return s;
    for (const auto& op : plan.mounts)
        if (auto s = apply(op, plan); !s)
            return std::unexpected(
                s.error().context(std::string(spec::mount_kind_name(op.kind)) + " " + op.target));
    // The overlays keep their own reference to the empty layer; its name can go.
    if (::rmdir(at(kEmptyLayer).c_str()) != 0) return fail("rmdir", at(kEmptyLayer));

    // pivot_root(".", ".") stacks the old root under the new one; detaching it leaves nothing
    // of the host reachable (no directory is needed for the old root).
    if (::chdir(kNewRoot) != 0) return fail("chdir", kNewRoot);
    if (::syscall(SYS_pivot_root, ".", ".") != 0) return fail("pivot_root", kNewRoot);
    if (::umount2(".", MNT_DETACH) != 0) return fail("detach old root", "/");
    if (::chdir("/") != 0) return fail("chdir", "/");
    return {};
}

} // namespace soulbox::ns
