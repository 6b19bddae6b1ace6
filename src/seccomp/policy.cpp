// Host side of the seccomp module: the sandbox policy, compiled with libseccomp for the native
// architecture and published as raw BPF in a sealed memfd that the agent installs on itself.
//
// Policy summary (at least as strict as Docker's default profile):
//   * any syscall not allowed below                      -> ERRNO(EPERM)
//   * syscalls newer than this table that libc probes     -> ERRNO(ENOSYS) (kEnosys, incl. clone3)
//   * clone with any namespace flag                       -> ERRNO(EPERM)
//   * socket/socketpair outside UNIX/INET/INET6/NETLINK   -> ERRNO(EAFNOSUPPORT)
//   * ioctl TIOCSTI / TIOCLINUX (low 32 bits of request)  -> ERRNO(EPERM)
//   * personality other than the Docker set               -> ERRNO(EPERM)
//   * any non-native ABI (i386 int 0x80, x32)             -> KILL_PROCESS
#include "seccomp/policy.hpp"

#include "core/unique_fd.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <memory>
#include <sched.h>
#include <seccomp.h>
#include <string>
#include <string_view>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace soulbox::seccomp {
namespace {

using Names = std::span<const char* const>;

// ---------------------------------------------------------------------------------------------
// Allowed unconditionally. Based on Docker's default allowlist, minus what a code sandbox does
// not need. Names absent on the native architecture (open, fork, arch_prctl on aarch64) are
// skipped when the filter is built.

// The tables are packed by hand so the whole policy reads on a few screens.
// clang-format off
// Reading, writing and managing open file descriptors.
constexpr const char* kFileIo[] = {
    "read", "write", "readv", "writev", "pread64", "pwrite64", "preadv", "pwritev", "preadv2",
    "pwritev2", "lseek", "close", "close_range", "dup", "dup2", "dup3", "fcntl", "flock", "fsync",
    "fdatasync", "sync", "syncfs", "sync_file_range", "truncate", "ftruncate", "fallocate",
    "fadvise64", "readahead", "sendfile", "splice", "tee", "vmsplice", "copy_file_range",
};

// Path lookups and file metadata; the mount namespace and permissions bound what they reach.
// mknod stays because mkfifo uses it; device nodes still need CAP_MKNOD in the init namespace.
constexpr const char* kPaths[] = {
    "open", "openat", "openat2", "creat", "stat", "fstat", "lstat", "newfstatat", "statx",
    "statfs", "fstatfs", "access", "faccessat", "faccessat2", "readlink", "readlinkat", "getdents",
    "getdents64", "getcwd", "chdir", "fchdir", "rename", "renameat", "renameat2", "mkdir",
    "mkdirat", "rmdir", "link", "linkat", "unlink", "unlinkat", "symlink", "symlinkat", "chmod",
    "fchmod", "fchmodat", "fchmodat2", "chown", "fchown", "lchown", "fchownat", "umask", "utime",
    "utimes", "utimensat", "futimesat", "mknod", "mknodat", "getxattr", "lgetxattr", "fgetxattr",
    "listxattr", "llistxattr", "flistxattr", "setxattr", "lsetxattr", "fsetxattr", "removexattr",
    "lremovexattr", "fremovexattr", "inotify_init", "inotify_init1", "inotify_add_watch",
    "inotify_rm_watch",
};

// Address-space management for the caller's own memory (the cgroup bounds the total).
constexpr const char* kMemory[] = {
    "brk", "mmap", "munmap", "mremap", "mprotect", "madvise", "mlock", "mlock2", "munlock",
    "mlockall", "munlockall", "mincore", "msync", "memfd_create", "membarrier", "pkey_alloc",
    "pkey_free", "pkey_mprotect", "get_mempolicy", "map_shadow_stack", "mseal",
};

// Creating, running and reaping processes: what a shell, and the agent's spawner, needs.
// clone is allowed separately, with a namespace-flag check.
constexpr const char* kProcesses[] = {
    "fork", "vfork", "execve", "execveat", "exit", "exit_group", "wait4", "waitid", "kill",
    "tkill", "tgkill", "pidfd_open", "pidfd_send_signal", "getpid", "getppid", "gettid", "getpgid",
    "setpgid", "getpgrp", "getsid", "setsid", "set_tid_address", "set_robust_list",
    "get_robust_list", "rseq", "arch_prctl", "prctl", "seccomp", "restart_syscall",
    "landlock_create_ruleset", "landlock_add_rule", "landlock_restrict_self",
};

// Credentials and scheduling of the caller itself; the kernel checks the capabilities.
constexpr const char* kCredentials[] = {
    "getuid", "geteuid", "getgid", "getegid", "getresuid", "getresgid", "setuid", "setgid",
    "setreuid", "setregid", "setresuid", "setresgid", "setfsuid", "setfsgid", "getgroups",
    "setgroups", "capget", "capset", "getpriority", "setpriority", "sched_yield",
    "sched_getaffinity", "sched_setaffinity", "sched_getparam", "sched_setparam",
    "sched_getscheduler", "sched_setscheduler", "sched_get_priority_max", "sched_get_priority_min",
    "sched_rr_get_interval", "sched_getattr", "sched_setattr", "ioprio_get", "ioprio_set",
    "getrlimit", "setrlimit", "prlimit64", "getrusage", "times", "uname", "sysinfo", "getcpu",
};

// Signal delivery and handling.
constexpr const char* kSignals[] = {
    "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "rt_sigsuspend", "rt_sigpending",
    "rt_sigtimedwait", "rt_sigqueueinfo", "rt_tgsigqueueinfo", "sigaltstack", "signalfd",
    "signalfd4", "pause",
};

// Reading clocks, sleeping and timers (setting the clock is denied below).
constexpr const char* kTime[] = {
    "clock_gettime", "clock_getres", "clock_nanosleep", "nanosleep", "gettimeofday", "time",
    "alarm", "getitimer", "setitimer", "timer_create", "timer_settime", "timer_gettime",
    "timer_getoverrun", "timer_delete", "timerfd_create", "timerfd_settime", "timerfd_gettime",
};

// Waiting and synchronisation: futexes, event loops (python asyncio, node/libuv).
constexpr const char* kEvents[] = {
    "futex", "futex_waitv", "futex_wake", "futex_wait", "futex_requeue", "poll", "ppoll", "select",
    "pselect6", "epoll_create", "epoll_create1", "epoll_ctl", "epoll_wait", "epoll_pwait",
    "epoll_pwait2", "eventfd", "eventfd2", "getrandom",
};

// Local IPC; System V and POSIX IPC objects are confined by the IPC namespace.
constexpr const char* kIpc[] = {
    "pipe", "pipe2", "shmget", "shmat", "shmdt", "shmctl", "semget", "semop", "semtimedop",
    "semctl", "msgget", "msgsnd", "msgrcv", "msgctl", "mq_open", "mq_unlink", "mq_timedsend",
    "mq_timedreceive", "mq_notify", "mq_getsetattr",
};

// Socket operations on sockets that exist; creating one is checked separately by family.
constexpr const char* kSockets[] = {
    "bind", "connect", "listen", "accept", "accept4", "getsockname", "getpeername", "sendto",
    "recvfrom", "sendmsg", "recvmsg", "sendmmsg", "recvmmsg", "shutdown", "setsockopt",
    "getsockopt",
};

// Linux native AIO: Docker allows it and some build tools and databases use it.
constexpr const char* kAsyncIo[] = {
    "io_setup", "io_destroy", "io_submit", "io_cancel", "io_getevents", "io_pgetevents",
};

// Allowed only when their arguments pass a check (rules in add_conditional_rules()).
constexpr const char* kConditional[] = {
    "clone", "socket", "socketpair", "personality", "ioctl",
};

// ---------------------------------------------------------------------------------------------
// Explicitly denied with EPERM. The default action already answers EPERM and libseccomp refuses
// a rule whose action equals the default, so these are not emitted as rules; the tables are the
// documented promise (checked at compile time below, and called one by one in the tests) that
// none of them is ever allowed.

// Changing the filesystem view: escapes and confused-deputy attacks on the rootfs.
constexpr const char* kDenyMounts[] = {
    "mount", "umount2", "pivot_root", "chroot", "fsopen", "fsconfig", "fsmount", "fspick",
    "open_tree", "move_mount", "mount_setattr", "open_tree_attr",
};

// Namespaces: entering or creating them is the start of most container escapes.
constexpr const char* kDenyNamespaces[] = {
    "setns", "unshare",
};

// The kernel keyring is not namespaced.
constexpr const char* kDenyKeyring[] = {
    "keyctl", "add_key", "request_key",
};

// Large kernel attack surface with a long CVE history.
constexpr const char* kDenyKernelSurface[] = {
    "bpf", "perf_event_open", "userfaultfd", "io_uring_setup", "io_uring_enter",
    "io_uring_register", "fanotify_init", "memfd_secret", "lookup_dcookie",
};

// Reading or steering other processes.
constexpr const char* kDenyOtherProcesses[] = {
    "ptrace", "process_vm_readv", "process_vm_writev", "pidfd_getfd", "kcmp", "process_madvise",
};

// File handles bypass path-based checks (the "shocker" escape).
constexpr const char* kDenyFileHandles[] = {
    "open_by_handle_at", "name_to_handle_at",
};

// Host administration: kernel images and modules, swap, accounting, quotas, logs, raw I/O ports.
constexpr const char* kDenyHostAdmin[] = {
    "reboot", "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
    "swapon", "swapoff", "acct", "quotactl", "quotactl_fd", "syslog", "vhangup", "iopl", "ioperm",
};

// The clocks are shared with the host.
constexpr const char* kDenyClock[] = {
    "settimeofday", "clock_settime", "clock_adjtime", "adjtimex",
};

// Obsolete interfaces nothing modern needs.
constexpr const char* kDenyObsolete[] = {
    "uselib", "ustat", "sysfs", "_sysctl",
};

// NUMA placement affects other tenants' memory (Docker gates these on CAP_SYS_NICE).
constexpr const char* kDenyNuma[] = {
    "set_mempolicy", "mbind", "move_pages", "migrate_pages", "set_mempolicy_home_node",
};

// ---------------------------------------------------------------------------------------------
// ERRNO(ENOSYS): clone3 keeps its flags in memory seccomp cannot read, so namespace flags could
// not be checked; ENOSYS makes glibc fall back to clone. The rest are newer than this allowlist
// and are not needed; ENOSYS lets callers (systemd, coreutils) take their fallback path.
// Syscalls newer than every table here get the default EPERM.
constexpr const char* kEnosys[] = {
    "clone3", "statmount", "listmount", "lsm_get_self_attr", "lsm_set_self_attr",
    "lsm_list_modules", "setxattrat", "getxattrat", "listxattrat", "removexattrat", "file_getattr",
    "file_setattr",
};

// clang-format on

// Names newer than the libseccomp we build against. Since Linux 5.1 every architecture but alpha
// shares one numbering for new syscalls, so these numbers hold on x86_64 and aarch64 alike.
struct NumberedSyscall {
    std::string_view name;
    int number;
};
constexpr NumberedSyscall kNewerSyscalls[] = {
    {"futex_wake", 454},        {"futex_wait", 455},       {"futex_requeue", 456},
    {"statmount", 457},         {"listmount", 458},        {"lsm_get_self_attr", 459},
    {"lsm_set_self_attr", 460}, {"lsm_list_modules", 461}, {"mseal", 462},
    {"setxattrat", 463},        {"getxattrat", 464},       {"listxattrat", 465},
    {"removexattrat", 466},     {"open_tree_attr", 467},   {"file_getattr", 468},
    {"file_setattr", 469},
};

constexpr Names kAllowedGroups[] = {kFileIo, kPaths,  kMemory, kProcesses, kCredentials, kSignals,
                                    kTime,   kEvents, kIpc,    kSockets,   kAsyncIo};
constexpr Names kDeniedGroups[] = {
    kDenyMounts,      kDenyNamespaces, kDenyKeyring, kDenyKernelSurface, kDenyOtherProcesses,
    kDenyFileHandles, kDenyHostAdmin,  kDenyClock,   kDenyObsolete,      kDenyNuma};

// Every name must appear in exactly one table, so a deny can never be shadowed by an allow.
consteval bool every_name_listed_once() {
    std::array<std::string_view, 512> seen{};
    std::size_t count = 0;
    auto add = [&](Names names) {
        for (std::string_view name : names) {
            for (std::size_t i = 0; i < count; ++i)
                if (seen[i] == name) return false;
            seen[count++] = name;
        }
        return true;
    };
    for (Names group : kAllowedGroups)
        if (!add(group)) return false;
    for (Names group : kDeniedGroups)
        if (!add(group)) return false;
    return add(kConditional) && add(kEnosys);
}
static_assert(every_name_listed_once(), "a syscall is listed in more than one policy table");

// ---------------------------------------------------------------------------------------------
// Argument-checked syscalls.

// clone with any of these creates a namespace. CLONE_NEWTIME (0x80) overlaps the exit-signal
// byte of clone(2), but a valid exit signal is below 0x80, so masking it refuses nothing real.
constexpr std::uint64_t kNamespaceCloneFlags = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC |
                                               CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET |
                                               CLONE_NEWCGROUP | CLONE_NEWTIME;

// Socket families user code needs; AF_NETLINK is for iproute-style queries inside the sandbox's
// own network namespace. Everything else (vsock, alg, packet, key, ...) gets EAFNOSUPPORT.
constexpr int kAllowedSocketFamilies[] = {AF_UNIX, AF_INET, AF_INET6, AF_NETLINK};
constexpr int kHighestAllowedFamily = *std::ranges::max_element(kAllowedSocketFamilies);

// personality values Docker allows: PER_LINUX, PER_LINUX32, UNAME26 variants, and the query.
// Denied: ADDR_NO_RANDOMIZE, READ_IMPLIES_EXEC and other flags that weaken the process.
constexpr std::uint32_t kAllowedPersonalities[] = {0x0, 0x8, 0x20000, 0x20008, 0xffffffff};

// Terminal input injection (CVE-2017-5226) and the VT console multiplexer.
constexpr std::uint32_t kDeniedIoctls[] = {TIOCSTI, TIOCLINUX};

// The kernel reads these arguments as 32-bit ints, so only the low half may be compared.
constexpr std::uint64_t kLow32 = 0xffffffff;

// ---------------------------------------------------------------------------------------------

using FilterCtx = std::unique_ptr<void, decltype(&seccomp_release)>;

Error libseccomp_error(std::string_view what, int rc) {
    return sys_error("seccomp: " + std::string(what), -rc);
}

// The native number of a syscall, or -1 when this architecture does not have it.
Result<int> resolve(const char* name) {
    const int number = seccomp_syscall_resolve_name(name);
    if (number == __NR_SCMP_ERROR) {
        for (const auto& newer : kNewerSyscalls)
            if (newer.name == name) return newer.number;
        return std::unexpected(
            make_error(Errc::internal, std::string("seccomp: unknown syscall name ") + name));
    }
    // libseccomp answers a negative pseudo-number for a syscall this architecture lacks.
    return number < 0 ? -1 : number;
}

Status add_rule(scmp_filter_ctx ctx, std::uint32_t action, const char* name,
                std::span<const scmp_arg_cmp> conditions = {}) {
    auto number = resolve(name);
    if (!number) return std::unexpected(number.error());
    if (*number < 0) return {};
    const int rc = seccomp_rule_add_exact_array(
        ctx, action, *number, static_cast<unsigned>(conditions.size()), conditions.data());
    if (rc < 0) return std::unexpected(libseccomp_error(std::string("add rule for ") + name, rc));
    return {};
}

Status add_rule(scmp_filter_ctx ctx, std::uint32_t action, const char* name, scmp_arg_cmp cond) {
    return add_rule(ctx, action, name, std::span<const scmp_arg_cmp>(&cond, 1));
}

Status add_conditional_rules(scmp_filter_ctx ctx) {
    // Each syscall gets rules whose conditions never overlap; whatever none of them matches falls
    // through to the default EPERM.
    if (auto s = add_rule(ctx, SCMP_ACT_ALLOW, "clone",
                          SCMP_A0_64(SCMP_CMP_MASKED_EQ, kNamespaceCloneFlags, 0));
        !s)
        return s;

    for (const char* name : {"socket", "socketpair"}) {
        // Families up to the highest allowed one are enumerated; everything above is one range.
        for (int family = 0; family <= kHighestAllowedFamily; ++family) {
            const bool allowed = std::ranges::find(kAllowedSocketFamilies, family) !=
                                 std::end(kAllowedSocketFamilies);
            const std::uint32_t action = allowed ? SCMP_ACT_ALLOW : SCMP_ACT_ERRNO(EAFNOSUPPORT);
            if (auto s = add_rule(ctx, action, name,
                                  SCMP_A0_64(SCMP_CMP_EQ, static_cast<std::uint64_t>(family)));
                !s)
                return s;
        }
        if (auto s = add_rule(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT), name,
                              SCMP_A0_64(SCMP_CMP_GT, kHighestAllowedFamily));
            !s)
            return s;
    }

    for (std::uint32_t persona : kAllowedPersonalities) {
        if (auto s = add_rule(ctx, SCMP_ACT_ALLOW, "personality",
                              SCMP_A0_64(SCMP_CMP_MASKED_EQ, kLow32, persona));
            !s)
            return s;
    }

    // ioctl is allowed here; the denied requests are refused by ioctl_guard(), because libseccomp
    // drops conditional rules next to an unconditional one and allows one comparison per argument.
    return add_rule(ctx, SCMP_ACT_ALLOW, "ioctl");
}

// A hand-written prefix that runs before the libseccomp program: for native ioctl calls whose
// request's low 32 bits are in kDeniedIoctls, return EPERM; everything else continues into the
// libseccomp program, which starts with its own architecture check.
std::vector<sock_filter> ioctl_guard(std::uint32_t native_arch) {
    static_assert(std::endian::native == std::endian::little,
                  "the guard loads the low half of a 64-bit argument at its lowest address");
    constexpr std::uint32_t request_low_half = offsetof(seccomp_data, args) + sizeof(__u64) * 1;
    constexpr auto denied = static_cast<std::uint8_t>(std::size(kDeniedIoctls));
    static_assert(denied > 0 && denied < 250);

    // Layout: [0] ld arch [1] jne -> pass [2] ld nr [3] jne -> pass [4] ld request
    // [5 .. 5+denied) jeq -> refuse [5+denied] refuse [5+denied+1] pass (libseccomp program).
    const std::uint8_t to_pass_from_1 = 3 + denied + 1;
    const std::uint8_t to_pass_from_3 = 1 + denied + 1;
    std::vector<sock_filter> guard = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, native_arch, 0, to_pass_from_1),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, static_cast<std::uint32_t>(__NR_ioctl), 0,
                 to_pass_from_3),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, request_low_half),
    };
    for (std::uint8_t i = 0; i < denied; ++i) {
        const std::uint8_t to_refuse = denied - 1 - i;
        const std::uint8_t to_pass = i + 1 == denied ? 1 : 0;
        guard.push_back(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, kDeniedIoctls[i], to_refuse, to_pass));
    }
    guard.push_back(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA)));
    return guard;
}

Result<Program> export_program(scmp_filter_ctx ctx) {
    UniqueFd out(::memfd_create("soulbox-seccomp-export", MFD_CLOEXEC));
    if (!out) return std::unexpected(sys_error("seccomp: memfd_create for export"));
    if (const int rc = seccomp_export_bpf(ctx, out.get()); rc < 0)
        return std::unexpected(libseccomp_error("export BPF", rc));
    return read_program(out.get());
}

Status write_all(int fd, std::span<const std::byte> bytes) {
    while (!bytes.empty()) {
        const ssize_t n = ::write(fd, bytes.data(), bytes.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            return std::unexpected(sys_error("seccomp: write policy memfd"));
        }
        bytes = bytes.subspan(static_cast<std::size_t>(n));
    }
    return {};
}

} // namespace

Result<Program> compile_default_policy() {
    FilterCtx ctx(seccomp_init(SCMP_ACT_ERRNO(EPERM)), &seccomp_release);
    if (!ctx) return std::unexpected(make_error(Errc::internal, "seccomp: seccomp_init failed"));

    // Only the native architecture is added, so i386 (int 0x80) and x32 calls hit the bad-arch
    // action. Killing the whole process, not just the thread, leaves no half-dead state behind.
    if (const int rc = seccomp_attr_set(ctx.get(), SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
        rc < 0)
        return std::unexpected(libseccomp_error("set bad-arch action", rc));
    // A binary search over syscall numbers instead of a linear scan of several hundred compares.
    if (const int rc = seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_OPTIMIZE, 2); rc < 0)
        return std::unexpected(libseccomp_error("enable binary-tree optimisation", rc));

    for (Names group : kAllowedGroups) {
        for (const char* name : group)
            if (auto s = add_rule(ctx.get(), SCMP_ACT_ALLOW, name); !s)
                return std::unexpected(s.error());
    }
    for (const char* name : kEnosys)
        if (auto s = add_rule(ctx.get(), SCMP_ACT_ERRNO(ENOSYS), name); !s)
            return std::unexpected(s.error());
    // The deny tables need no rules (see above), but every name must still be a real syscall.
    for (Names group : kDeniedGroups) {
        for (const char* name : group)
            if (auto number = resolve(name); !number) return std::unexpected(number.error());
    }
    if (auto s = add_conditional_rules(ctx.get()); !s) return std::unexpected(s.error());

    auto generated = export_program(ctx.get());
    if (!generated) return std::unexpected(generated.error());
    // The guard jumps past its own end into the generated program, which must therefore begin
    // by loading what it checks rather than relying on the accumulator.
    const sock_filter& first = generated->instructions.front();
    if (BPF_CLASS(first.code) != BPF_LD)
        return std::unexpected(
            make_error(Errc::internal, "seccomp: libseccomp program does not start with a load"));

    Program program{ioctl_guard(seccomp_arch_native())};
    program.instructions.insert(program.instructions.end(), generated->instructions.begin(),
                                generated->instructions.end());
    if (program.instructions.size() > BPF_MAXINSNS)
        return std::unexpected(make_error(Errc::internal, "seccomp: policy exceeds BPF_MAXINSNS"));
    return program;
}

Result<UniqueFd> create_policy_memfd() {
    auto program = compile_default_policy();
    if (!program) return std::unexpected(program.error());

    UniqueFd memfd(::memfd_create("soulbox-seccomp", MFD_CLOEXEC | MFD_ALLOW_SEALING));
    if (!memfd) return std::unexpected(sys_error("seccomp: memfd_create"));
    if (auto s = write_all(memfd.get(), std::as_bytes(std::span(program->instructions))); !s)
        return std::unexpected(s.error());
    // Sealed so that nothing holding the fd (the agent included) can alter what later agents load.
    if (::fcntl(memfd.get(), F_ADD_SEALS,
                F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) != 0)
        return std::unexpected(sys_error("seccomp: seal policy memfd"));
    return memfd;
}

std::vector<NamedSyscall> explicitly_denied_syscalls() {
    std::vector<NamedSyscall> denied;
    for (Names group : kDeniedGroups) {
        for (const char* name : group)
            if (auto number = resolve(name); number && *number >= 0)
                denied.push_back({name, *number});
    }
    return denied;
}

} // namespace soulbox::seccomp
