// The seccomp policy, tested by installing it in forked children and calling the syscalls raw.
// A child reports through its exit code: 0 means every expectation held, anything else says
// which one failed (see the codes below); the parent asserts on the wait status.
#include "seccomp/policy.hpp"
#include "support/skip.hpp"

#include <doctest/doctest.h>

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <functional>
#include <grp.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <spawn.h>
#include <string>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <thread>
#include <unistd.h>

#include <linux/netlink.h>

namespace {

namespace sc = soulbox::seccomp;

// Exit codes a child uses besides 0 (expectation held) and 1..199 (the errno it got instead).
constexpr int kSyscallSucceeded = 200;
constexpr int kSetupFailed = 250;

// One compiled policy for every case, as a runtime keeps one.
soulbox::Result<int> policy_fd() {
    static const auto memfd = sc::create_policy_memfd();
    if (!memfd) return std::unexpected(memfd.error());
    return memfd->get();
}

struct ChildOutcome {
    bool exited = false;
    int exit_code = -1;
    int signal = 0;
};

// Runs `body` in a forked child, under the default policy when `filtered`, and reports how the
// child ended. The body's return value becomes the exit code.
ChildOutcome run_child(bool filtered, const std::function<int()>& body) {
    // Build the memfd in the parent so children reuse the cached fd instead of compiling.
    if (filtered) REQUIRE(policy_fd().has_value());
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        if (filtered) {
            if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) ::_exit(kSetupFailed);
            auto fd = policy_fd();
            if (!fd) ::_exit(kSetupFailed + 1);
            auto program = sc::read_program(*fd);
            if (!program) ::_exit(kSetupFailed + 2);
            if (!sc::install(program->instructions)) ::_exit(kSetupFailed + 3);
        }
        ::_exit(body());
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0)
        REQUIRE(errno == EINTR);
    ChildOutcome outcome;
    outcome.exited = WIFEXITED(status);
    if (outcome.exited) outcome.exit_code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) outcome.signal = WTERMSIG(status);
    return outcome;
}

int filtered_exit_code(const std::function<int()>& body) {
    const ChildOutcome outcome = run_child(true, body);
    INFO("child killed by signal " << outcome.signal);
    REQUIRE(outcome.exited);
    return outcome.exit_code;
}

// 0 when the raw syscall failed with exactly `expected`, otherwise what happened instead.
int failed_with(long result, int expected) {
    if (result != -1) return kSyscallSucceeded;
    if (errno == expected) return 0;
    return errno > 0 && errno < kSyscallSucceeded ? errno : kSyscallSucceeded - 1;
}

// Asserts that, under the filter, `call` fails with `expected`.
void check_denied(const char* what, int expected, const std::function<long()>& call) {
    INFO(what << ": expected errno " << expected << "; exit code 200 = succeeded, <200 = errno");
    CHECK(filtered_exit_code([&] { return failed_with(call(), expected); }) == 0);
}

long raw(long nr, long a = 0, long b = 0, long c = 0, long d = 0, long e = 0, long f = 0) {
    return ::syscall(nr, a, b, c, d, e, f);
}

// A pty pair opened under the filter (so the ioctls that set it up are exercised too).
struct Pty {
    int master = -1;
    int slave = -1;
};

Pty open_pty() {
    Pty pty;
    pty.master = ::posix_openpt(O_RDWR | O_NOCTTY);
    if (pty.master < 0 || ::grantpt(pty.master) != 0 || ::unlockpt(pty.master) != 0) return {};
    const char* name = ::ptsname(pty.master);
    if (name == nullptr) return {};
    pty.slave = ::open(name, O_RDWR | O_NOCTTY);
    return pty;
}

#if defined(__x86_64__)
// getpid (20) through the i386 entry point; the kernel reports it as AUDIT_ARCH_I386.
long i386_getpid() {
    long result;
    asm volatile("int $0x80" : "=a"(result) : "a"(20L) : "memory", "r8", "r9", "r10", "r11");
    return result;
}
#endif

} // namespace

TEST_CASE("seccomp: read_program validates the memfd size") {
    auto make_memfd = [](std::size_t bytes) {
        const int fd = ::memfd_create("test-program", MFD_CLOEXEC);
        REQUIRE(fd >= 0);
        REQUIRE(::ftruncate(fd, static_cast<off_t>(bytes)) == 0);
        return fd;
    };

    const int empty = make_memfd(0);
    auto from_empty = sc::read_program(empty);
    REQUIRE_FALSE(from_empty.has_value());
    CHECK(from_empty.error().code == soulbox::Errc::invalid_argument);
    ::close(empty);

    const int ragged = make_memfd(sizeof(sock_filter) * 3 + 5);
    auto from_ragged = sc::read_program(ragged);
    REQUIRE_FALSE(from_ragged.has_value());
    CHECK(from_ragged.error().code == soulbox::Errc::invalid_argument);
    ::close(ragged);

    const int too_long = make_memfd(sizeof(sock_filter) * (BPF_MAXINSNS + 1));
    CHECK_FALSE(sc::read_program(too_long).has_value());
    ::close(too_long);

    const int exact = make_memfd(sizeof(sock_filter) * 4);
    auto from_exact = sc::read_program(exact);
    REQUIRE(from_exact.has_value());
    CHECK(from_exact->instructions.size() == 4);
    ::close(exact);

    auto from_bad_fd = sc::read_program(-1);
    REQUIRE_FALSE(from_bad_fd.has_value());
    CHECK(from_bad_fd.error().sys_errno == EBADF);
}

TEST_CASE("seccomp: install rejects empty and oversized programs") {
    CHECK_FALSE(sc::install({}).has_value());
    std::vector<sock_filter> huge(BPF_MAXINSNS + 1, sock_filter{BPF_RET | BPF_K, 0, 0, 0});
    CHECK_FALSE(sc::install(huge).has_value());
}

TEST_CASE("seccomp: the policy compiles and its memfd is sealed") {
    auto program = sc::compile_default_policy();
    REQUIRE(program.has_value());
    CHECK(!program->instructions.empty());
    CHECK(program->instructions.size() <= BPF_MAXINSNS);
    MESSAGE("policy is " << program->instructions.size() << " BPF instructions");

    auto memfd = sc::create_policy_memfd();
    REQUIRE(memfd.has_value());
    const int fd = memfd->get();
    CHECK((::fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);

    const int seals = ::fcntl(fd, F_GET_SEALS);
    REQUIRE(seals >= 0);
    CHECK((seals & F_SEAL_WRITE) != 0);
    CHECK((seals & F_SEAL_SEAL) != 0);
    CHECK((seals & F_SEAL_SHRINK) != 0);
    CHECK((seals & F_SEAL_GROW) != 0);

    const char byte = 0;
    CHECK(::pwrite(fd, &byte, 1, 0) == -1);
    CHECK(errno == EPERM);
    CHECK(::ftruncate(fd, 0) == -1);
    CHECK(errno == EPERM);

    // The memfd holds exactly the compiled program.
    auto stored = sc::read_program(fd);
    REQUIRE(stored.has_value());
    REQUIRE(stored->instructions.size() == program->instructions.size());
    CHECK(std::memcmp(stored->instructions.data(), program->instructions.data(),
                      program->instructions.size() * sizeof(sock_filter)) == 0);
}

TEST_CASE("seccomp: install needs no_new_privs or CAP_SYS_ADMIN") {
    const ChildOutcome outcome = run_child(false, [] {
        // Root may install without no_new_privs (CAP_SYS_ADMIN), so a root run checks the rule
        // as nobody: every capability goes with the switch to a non-zero uid.
        if (::geteuid() == 0 &&
            (::setgroups(0, nullptr) != 0 || ::setresgid(65534, 65534, 65534) != 0 ||
             ::setresuid(65534, 65534, 65534) != 0))
            return kSetupFailed;
        auto program = sc::read_program(*policy_fd());
        if (!program) return kSetupFailed;
        auto installed = sc::install(program->instructions);
        return !installed && installed.error().sys_errno == EACCES ? 0 : 1;
    });
    CHECK(outcome.exited);
    CHECK(outcome.exit_code == 0);
}

TEST_CASE("seccomp: install covers threads that already exist") {
    const ChildOutcome outcome = run_child(false, [] {
        int go[2];
        if (::pipe(go) != 0) return kSetupFailed;
        int thread_result = -1;
        std::thread worker([&] {
            char byte;
            if (::read(go[0], &byte, 1) != 1) return;
            thread_result = failed_with(raw(SYS_unshare, CLONE_NEWUSER), EPERM);
        });
        auto program = sc::read_program(*policy_fd());
        const bool installed = ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 && program &&
                               sc::install(program->instructions).has_value();
        const char byte = 1;
        const bool signalled = ::write(go[1], &byte, 1) == 1;
        worker.join();
        if (!installed || !signalled) return kSetupFailed + 1;
        return thread_result;
    });
    CHECK(outcome.exited);
    CHECK(outcome.exit_code == 0);
}

TEST_CASE("seccomp: the probes behave differently without the filter") {
    // Guards against tests that would pass whatever the filter does.
    const ChildOutcome outcome = run_child(false, [] {
        if (raw(SYS_personality, 0xffffffff) == -1) return 1;
        const long before = raw(SYS_personality, READ_IMPLIES_EXEC);
        if (before == -1) return 2;
        raw(SYS_personality, before);
        // An undersized clone_args is rejected with EINVAL, not ENOSYS.
        if (raw(SYS_clone3, 0, 0) != -1 || errno == ENOSYS) return 3;
        Pty pty = open_pty();
        if (pty.slave < 0) return kSetupFailed;
        char request = 0;
        if (::ioctl(pty.slave, TIOCLINUX, &request) != -1 || errno == EPERM) return 4;
        // x32 calls are ENOSYS or work, but do not kill.
        raw(0x40000000 | SYS_getpid);
        return 0;
    });
    CHECK(outcome.exited);
    CHECK(outcome.exit_code == 0);
}

TEST_CASE("seccomp: filesystem and namespace escapes are refused") {
    check_denied("mount", EPERM, [] {
        return raw(SYS_mount, reinterpret_cast<long>("none"),
                   reinterpret_cast<long>("/nonexistent-soulbox"), reinterpret_cast<long>("tmpfs"));
    });
    check_denied("umount2", EPERM,
                 [] { return raw(SYS_umount2, reinterpret_cast<long>("/nonexistent-soulbox")); });
    check_denied("unshare(CLONE_NEWUSER)", EPERM, [] { return raw(SYS_unshare, CLONE_NEWUSER); });
    check_denied("setns", EPERM, [] { return raw(SYS_setns, -1, 0); });
    check_denied("open_by_handle_at", EPERM, [] { return raw(SYS_open_by_handle_at, -1, 0, 0); });
}

TEST_CASE("seccomp: clone with namespace flags is refused, clone3 is ENOSYS") {
    for (long flag : {CLONE_NEWNS, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWCGROUP,
                      CLONE_NEWUTS, CLONE_NEWIPC}) {
        CAPTURE(flag);
        const int code = filtered_exit_code([flag] {
            const long pid = raw(SYS_clone, flag | SIGCHLD, 0, 0, 0, 0);
            if (pid == 0) ::_exit(kSyscallSucceeded); // the child, had the filter let it through
            return failed_with(pid, EPERM);
        });
        CHECK(code == 0);
    }
    check_denied("clone3", ENOSYS, [] {
        clone_args args{};
        args.flags = CLONE_NEWNS;
        args.exit_signal = SIGCHLD;
        const long pid = raw(SYS_clone3, reinterpret_cast<long>(&args), sizeof(args));
        if (pid == 0) ::_exit(kSyscallSucceeded);
        return pid;
    });
}

TEST_CASE("seccomp: kernel attack surface is refused") {
    check_denied("keyctl", EPERM, [] { return raw(SYS_keyctl, 0, 0); });
    check_denied("add_key", EPERM, [] { return raw(SYS_add_key, 0, 0, 0, 0, 0); });
    check_denied("bpf", EPERM, [] { return raw(SYS_bpf, -1, 0, 0); });
    check_denied("perf_event_open", EPERM, [] { return raw(SYS_perf_event_open, 0, 0, -1, -1); });
    check_denied("userfaultfd", EPERM, [] { return raw(SYS_userfaultfd, O_CLOEXEC); });
    check_denied("io_uring_setup", EPERM, [] { return raw(SYS_io_uring_setup, 0, 0); });
    check_denied("ptrace", EPERM, [] { return raw(SYS_ptrace, PTRACE_ATTACH, ::getppid()); });
    check_denied("kexec_load", EPERM, [] { return raw(SYS_kexec_load, -1, -1, -1, -1); });
    check_denied("init_module", EPERM, [] { return raw(SYS_init_module, 0, 0, 0); });
}

TEST_CASE("seccomp: every explicitly denied syscall answers EPERM") {
    const auto denied = sc::explicitly_denied_syscalls();
    REQUIRE(denied.size() > 40);
    // All-ones arguments are invalid for every one of these, so even a broken filter could not
    // make them do harm; setsid() drops the controlling tty so vhangup has nothing to hang up.
    const ChildOutcome outcome = run_child(true, [&denied] {
        if (::setsid() < 0) return kSetupFailed;
        for (std::size_t i = 0; i < denied.size(); ++i) {
            if (raw(denied[i].number, -1, -1, -1, -1, -1, -1) != -1 || errno != EPERM)
                return static_cast<int>(i) + 1;
        }
        return 0;
    });
    REQUIRE(outcome.exited);
    if (outcome.exit_code > 0 && static_cast<std::size_t>(outcome.exit_code) <= denied.size())
        FAIL("not refused with EPERM: " << denied[outcome.exit_code - 1].name);
    CHECK(outcome.exit_code == 0);
}

TEST_CASE("seccomp: socket families outside unix/inet/netlink are EAFNOSUPPORT") {
    check_denied("socket(AF_VSOCK)", EAFNOSUPPORT,
                 [] { return raw(SYS_socket, AF_VSOCK, SOCK_STREAM, 0); });
    check_denied("socket(AF_ALG)", EAFNOSUPPORT,
                 [] { return raw(SYS_socket, AF_ALG, SOCK_SEQPACKET, 0); });
    check_denied("socket(AF_PACKET)", EAFNOSUPPORT,
                 [] { return raw(SYS_socket, AF_PACKET, SOCK_RAW, 0); });
    check_denied("socket(AF_KEY)", EAFNOSUPPORT,
                 [] { return raw(SYS_socket, AF_KEY, SOCK_RAW, 2); });
    check_denied("socket(AF_UNSPEC)", EAFNOSUPPORT,
                 [] { return raw(SYS_socket, AF_UNSPEC, SOCK_STREAM, 0); });
    check_denied("socket(1000)", EAFNOSUPPORT,
                 [] { return raw(SYS_socket, 1000, SOCK_STREAM, 0); });
    // The kernel truncates the family to an int; high garbage bits must not smuggle AF_UNIX in.
    check_denied("socket(AF_UNIX | 1<<32)", EAFNOSUPPORT,
                 [] { return raw(SYS_socket, (1L << 32) | AF_UNIX, SOCK_STREAM, 0); });
    check_denied("socketpair(AF_VSOCK)", EAFNOSUPPORT, [] {
        int fds[2];
        return raw(SYS_socketpair, AF_VSOCK, SOCK_STREAM, 0, reinterpret_cast<long>(fds));
    });
}

TEST_CASE("seccomp: tty injection ioctls are refused") {
    for (bool on_master : {false, true}) {
        CAPTURE(on_master);
        const int code = filtered_exit_code([on_master] {
            Pty pty = open_pty();
            if (pty.slave < 0) return kSetupFailed;
            const int fd = on_master ? pty.master : pty.slave;
            char c = 'x';
            if (int r = failed_with(raw(SYS_ioctl, fd, TIOCSTI, reinterpret_cast<long>(&c)), EPERM))
                return r;
            // Only the low 32 bits reach the kernel, so set high bits must not get past.
            if (int r = failed_with(
                    raw(SYS_ioctl, fd, (1L << 32) | TIOCSTI, reinterpret_cast<long>(&c)), EPERM))
                return r;
            char subcode = 0;
            if (int r = failed_with(raw(SYS_ioctl, fd, TIOCLINUX, reinterpret_cast<long>(&subcode)),
                                    EPERM))
                return r;
            // Ordinary terminal ioctls keep working.
            winsize size{};
            if (::ioctl(fd, TIOCGWINSZ, &size) != 0) return 201;
            if (::ioctl(fd, TIOCSWINSZ, &size) != 0) return 202;
            int pending = 0;
            if (::ioctl(fd, FIONREAD, &pending) != 0) return 203;
            return 0;
        });
        CHECK(code == 0);
    }
}

TEST_CASE("seccomp: personality allows only the Docker set") {
    const int code = filtered_exit_code([] {
        for (long allowed : {0x0L, 0x8L, 0x20000L, 0x20008L, 0xffffffffL}) {
            if (raw(SYS_personality, allowed) == -1) return 201;
        }
        raw(SYS_personality, 0);
        if (int r = failed_with(raw(SYS_personality, ADDR_NO_RANDOMIZE), EPERM)) return r;
        if (int r = failed_with(raw(SYS_personality, READ_IMPLIES_EXEC), EPERM)) return r;
        return failed_with(raw(SYS_personality, PER_BSD), EPERM);
    });
    CHECK(code == 0);
}

#if defined(__x86_64__)
TEST_CASE("seccomp: x32 and i386 system calls kill the process") {
    const ChildOutcome x32 = run_child(true, [] {
        raw(0x40000000 | SYS_getpid);
        return 0;
    });
    CHECK_FALSE(x32.exited);
    CHECK(x32.signal == SIGSYS);

    // Without IA-32 emulation int 0x80 faults whatever the filter says, so check that first.
    const ChildOutcome unfiltered =
        run_child(false, [] { return i386_getpid() == ::getpid() ? 0 : 1; });
    if (!unfiltered.exited || unfiltered.exit_code != 0) {
        SOULBOX_SKIP("int 0x80: the kernel has no IA-32 emulation");
    }
    const ChildOutcome i386 = run_child(true, [] {
        i386_getpid();
        return 0;
    });
    CHECK_FALSE(i386.exited);
    CHECK(i386.signal == SIGSYS);
}
#endif

TEST_CASE("seccomp: a process spawner and ordinary programs still work") {
    const int code = filtered_exit_code([] {
        int fds[2];
        if (::pipe2(fds, O_CLOEXEC) != 0) return 1;

        const pid_t child = ::fork();
        if (child < 0) return 2;
        if (child == 0) ::_exit(::setsid() > 0 ? 7 : 8);
        int status = 0;
        if (::waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status) != 7)
            return 3;

        for (int family : {AF_UNIX, AF_INET}) {
            const int s = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
            if (s < 0) return 4;
            ::close(s);
        }
        const int netlink = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
        if (netlink < 0) return 5;
        ::close(netlink);
        int pair[2];
        if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) return 6;

        if (::prctl(PR_SET_NAME, "seccomp-test", 0, 0, 0) != 0) return 9;
        if (::prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1) return 10;
        uid_t r, e, s;
        if (::getresuid(&r, &e, &s) != 0 || ::setresuid(r, e, s) != 0) return 11;
        if (raw(SYS_close_range, 100, ~0U, 0) != 0) return 12;
        const long pidfd = raw(SYS_pidfd_open, ::getpid(), 0);
        if (pidfd < 0) return 13;
        ::close(static_cast<int>(pidfd));

        // pthread_create and posix_spawn try clone3 first and must fall back to clone.
        bool thread_ran = false;
        std::thread([&] { thread_ran = true; }).join();
        if (!thread_ran) return 14;

        pid_t spawned = 0;
        char true_path[] = "/bin/true";
        char* argv[] = {true_path, nullptr};
        if (::posix_spawn(&spawned, true_path, nullptr, nullptr, argv, environ) != 0) return 15;
        if (::waitpid(spawned, &status, 0) != spawned || !WIFEXITED(status) ||
            WEXITSTATUS(status) != 0)
            return 16;

        const pid_t exec_child = ::fork();
        if (exec_child == 0) {
            ::execve(true_path, argv, environ);
            ::_exit(127);
        }
        siginfo_t info{};
        if (::waitid(P_PID, static_cast<id_t>(exec_child), &info, WEXITED) != 0 ||
            info.si_code != CLD_EXITED || info.si_status != 0)
            return 17;
        return 0;
    });
    CHECK(code == 0);
}

TEST_CASE("seccomp: python3 runs under the filter") {
    if (::access("/usr/bin/python3", X_OK) != 0) SOULBOX_SKIP("no /usr/bin/python3");
    int out[2];
    REQUIRE(::pipe(out) == 0);
    const ChildOutcome outcome = run_child(true, [&out] {
        ::dup2(out[1], STDOUT_FILENO);
        char python[] = "/usr/bin/python3";
        char flag[] = "-c";
        char script[] = "import subprocess, socket, threading; print(1)";
        char* argv[] = {python, flag, script, nullptr};
        ::execve(python, argv, environ);
        return 127;
    });
    ::close(out[1]);
    char buffer[16] = {};
    const ssize_t n = ::read(out[0], buffer, sizeof(buffer) - 1);
    ::close(out[0]);
    CHECK(outcome.exited);
    CHECK(outcome.exit_code == 0);
    CHECK(std::string(buffer, n > 0 ? static_cast<std::size_t>(n) : 0) == "1\n");
}
