#include "sandbox/launch.hpp"

#include "sandbox/agent_image.hpp"

#include <cerrno>
#include <cstdio>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/close_range.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

// clone_on_stack.S
extern "C" long soulbox_clone3_on_stack(clone_args* args, std::size_t size, void (*child)(void*),
                                        void* arg);

namespace soulbox::sandbox {
namespace {

constexpr unsigned long long kNamespaces =
    CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWUTS | CLONE_NEWIPC;

// Everything the child needs, laid out before clone.
struct ChildContext {
    int sync_read;    // parent writes one byte when the id maps are in place
    int status_write; // child writes errno here if it cannot exec (close-on-exec)
    int agent_socket;
    int agent_image;
    bool rootless;
    char socket_arg[16];
    char* argv[3];
    char* envp[1];
};

[[noreturn]] __attribute__((no_sanitize("address", "undefined"))) void
child_fail(const ChildContext& ctx, int err) {
    (void)!::syscall(SYS_write, ctx.status_write, &err, sizeof err);
    ::syscall(SYS_exit_group, 127);
    __builtin_unreachable();
}

// Runs in the cloned child, which shares our memory until it execs: raw system calls only, on
// its own small stack, with every signal blocked (no handler of the embedding program may run
// here). Not instrumented: sanitizer bookkeeping on this stack would outlive it.
[[noreturn]] __attribute__((no_sanitize("address", "undefined"))) void child_main(void* arg) {
    const ChildContext& ctx = *static_cast<const ChildContext*>(arg);
    char go = 0;
    if (::syscall(SYS_read, ctx.sync_read, &go, 1) != 1) ::syscall(SYS_exit_group, 126);
    if (ctx.rootless) {
        // Our uid maps to the sandbox user, not to 0, and exec as non-root would drop the
        // capabilities the agent needs for setup: carry them over as ambient capabilities.
        __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
        __user_cap_data_struct data[2]{};
        if (::syscall(SYS_capget, &header, data) != 0) child_fail(ctx, errno);
        data[0].inheritable = data[0].permitted;
        data[1].inheritable = data[1].permitted;
        if (::syscall(SYS_capset, &header, data) != 0) child_fail(ctx, errno);
        for (int cap = 0; cap < 64; ++cap)
            ::syscall(SYS_prctl, PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0);
    } else {
        if (::syscall(SYS_setresgid, 0, 0, 0) != 0) child_fail(ctx, errno);
        if (::syscall(SYS_setgroups, 0, nullptr) != 0) child_fail(ctx, errno);
        if (::syscall(SYS_setresuid, 0, 0, 0) != 0) child_fail(ctx, errno);
    }
    // The embedding process's descriptors must not reach the sandbox (CVE-2024-21626): mark
    // every fd close-on-exec, then let only the bootstrap socket through.
    if (::syscall(SYS_close_range, 0u, ~0u, CLOSE_RANGE_CLOEXEC) != 0) child_fail(ctx, errno);
    if (::syscall(SYS_fcntl, ctx.agent_socket, F_SETFD, 0) != 0) child_fail(ctx, errno);
    ::syscall(SYS_execveat, ctx.agent_image, "", ctx.argv, ctx.envp, AT_EMPTY_PATH);
    child_fail(ctx, errno);
}

// The child's stack: it runs in our address space until exec, so it needs one of its own.
class ChildStack {
public:
    static constexpr std::size_t kSize = 64 * 1024;
    ChildStack()
        : base_(::mmap(nullptr, kSize, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0)) {}
    ~ChildStack() {
        if (ok()) ::munmap(base_, kSize);
    }
    ChildStack(const ChildStack&) = delete;
    ChildStack& operator=(const ChildStack&) = delete;
    bool ok() const { return base_ != MAP_FAILED; }
    std::uint64_t base() const { return reinterpret_cast<std::uint64_t>(base_); }

private:
    void* base_;
};

// Blocks every signal in this thread for its lifetime: the child starts with the same mask,
// so no signal handler of the embedding program runs on the child's stack before exec.
class AllSignalsBlocked {
public:
    AllSignalsBlocked() {
        sigset_t all;
        sigfillset(&all);
        ::pthread_sigmask(SIG_SETMASK, &all, &saved_);
    }
    ~AllSignalsBlocked() { ::pthread_sigmask(SIG_SETMASK, &saved_, nullptr); }
    AllSignalsBlocked(const AllSignalsBlocked&) = delete;
    AllSignalsBlocked& operator=(const AllSignalsBlocked&) = delete;

private:
    sigset_t saved_;
};

} // namespace

Result<LaunchedAgent> launch_agent(const LaunchPlan& plan) {
    auto image = agent_memfd();
    if (!image) return std::unexpected(image.error());

    int sock[2], sync[2], status[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sock) != 0)
        return std::unexpected(sys_error("socketpair"));
    UniqueFd host_socket(sock[0]), agent_socket(sock[1]);
    if (::pipe2(sync, O_CLOEXEC) != 0) return std::unexpected(sys_error("pipe2"));
    UniqueFd sync_read(sync[0]), sync_write(sync[1]);
    if (::pipe2(status, O_CLOEXEC) != 0) return std::unexpected(sys_error("pipe2"));
    UniqueFd status_read(status[0]), status_write(status[1]);

    ChildContext ctx{};
    ctx.sync_read = sync_read.get();
    ctx.status_write = status_write.get();
    ctx.agent_socket = agent_socket.get();
    ctx.agent_image = *image;
    ctx.rootless = plan.ids.rootless;
    std::snprintf(ctx.socket_arg, sizeof ctx.socket_arg, "%d", agent_socket.get());
    static char agent_name[] = "soulbox-agent";
    ctx.argv[0] = agent_name;
    ctx.argv[1] = ctx.socket_arg;
    ctx.argv[2] = nullptr;
    ctx.envp[0] = nullptr; // the host's environment never enters the sandbox

    // Declared before everything the child uses, so they outlive it: every way out of this
    // function either saw the child exec or killed and reaped it.
    ChildStack stack;
    if (!stack.ok()) return std::unexpected(sys_error("mmap child stack"));
    AllSignalsBlocked signals_blocked;

    // CLONE_VM: the child shares our address space until exec (as posix_spawn does), so
    // starting a sandbox does not copy the page tables of a large embedding process (a Python
    // or Node heap) nor leave its memory copy-on-write.
    int pidfd = -1;
    clone_args args{};
    args.flags = kNamespaces | CLONE_PIDFD | CLONE_VM;
    args.pidfd = reinterpret_cast<std::uint64_t>(&pidfd);
    args.exit_signal = 0; // no SIGCHLD for the embedding program; we reap through the pidfd
    args.stack = stack.base();
    args.stack_size = ChildStack::kSize;
    if (plan.cgroup_fd >= 0) {
        args.flags |= CLONE_INTO_CGROUP;
        args.cgroup = static_cast<std::uint64_t>(plan.cgroup_fd);
    }
    long rc = soulbox_clone3_on_stack(&args, sizeof args, child_main, &ctx);
    if (rc < 0) {
        int err = static_cast<int>(-rc);
        if (err == EPERM || err == ENOSPC || err == EUSERS || err == EINVAL)
            return std::unexpected(ns::diagnose_userns_failure(err));
        return std::unexpected(sys_error("clone3", err));
    }

    LaunchedAgent agent;
    agent.pid = static_cast<pid_t>(rc);
    agent.pidfd.reset(pidfd);
    auto abort_child = [&](Error error) -> Result<LaunchedAgent> {
        ::syscall(SYS_pidfd_send_signal, agent.pidfd.get(), SIGKILL, nullptr, 0);
        siginfo_t info{};
        ::waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(agent.pidfd.get()), &info,
                 WEXITED | __WALL);
        return std::unexpected(std::move(error));
    };
    sync_read.reset();
    status_write.reset();
    agent_socket.reset();

    if (plan.place_child)
        if (auto s = plan.place_child(agent.pid); !s) return abort_child(s.error());
    if (auto s = ns::write_id_maps(agent.pid, plan.ids); !s)
        return abort_child(s.error().context("map sandbox ids"));
    char go = 1;
    if (::write(sync_write.get(), &go, 1) != 1) return abort_child(sys_error("start agent"));
    sync_write.reset();

    // EOF means exec happened; an int means the child failed before it.
    int child_errno = 0;
    ssize_t n;
    do {
        n = ::read(status_read.get(), &child_errno, sizeof child_errno);
    } while (n < 0 && errno == EINTR);
    if (n == static_cast<ssize_t>(sizeof child_errno))
        return abort_child(sys_error("exec sandbox agent", child_errno));

    agent.socket = std::move(host_socket);
    return agent;
}

} // namespace soulbox::sandbox
