#include "agent/spawner.hpp"

#include "caps/drop.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <linux/close_range.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

namespace soulbox::agent {
namespace {

constexpr const char* kDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
constexpr int kPipeSize = 1 << 20; // fewer wakeups for bulk output

struct Pipe {
    UniqueFd read, write;
};

Result<Pipe> make_pipe() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return std::unexpected(sys_error("pipe2"));
    return Pipe{UniqueFd(fds[0]), UniqueFd(fds[1])};
}

// What the child reports through the status pipe when it cannot exec.
struct ChildFailure {
    int stage; // 0 = setup, 1 = cwd, 2 = exec
    int err;
};

[[noreturn]] void child_fail(int status_fd, int stage, int err) {
    ChildFailure f{stage, err};
    (void)!::write(status_fd, &f, sizeof f);
    ::_exit(127);
}

// PATH lookup against the command's own environment, not the agent's.
std::string resolve_program(const SpawnRequest& request) {
    const std::string& name = request.argv[0];
    if (name.find('/') != std::string::npos) return name;
    std::string path = kDefaultPath;
    for (const auto& kv : request.env)
        if (kv.rfind("PATH=", 0) == 0) path = kv.substr(5);
    std::size_t start = 0;
    while (start <= path.size()) {
        std::size_t end = path.find(':', start);
        if (end == std::string::npos) end = path.size();
        std::string dir = path.substr(start, end - start);
        std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
        if (::access(candidate.c_str(), X_OK) == 0) return candidate;
        start = end + 1;
    }
    return {};
}

[[noreturn]] void run_child(const SpawnRequest& request, const std::string& program, int in_fd,
                            int out_fd, int err_fd, int status_fd, char* const* argv,
                            char* const* envp) {
    // in_fd == out_fd == err_fd is the pty's terminal end.
    // The agent blocks SIGCHLD and ignores SIGPIPE (it installs no handlers, and handlers do
    // not survive exec anyway); the program must start with the defaults.
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::signal(SIGPIPE, SIG_DFL);
    // Its own session: no controlling terminal shared with anything else (checklist line 8),
    // and one process group to signal as a unit.
    if (::setsid() < 0) child_fail(status_fd, 0, errno);
    if (request.pty && ::ioctl(in_fd, TIOCSCTTY, 0) != 0) child_fail(status_fd, 0, errno);
    if (::dup2(in_fd, 0) < 0 || ::dup2(out_fd, 1) < 0 || ::dup2(err_fd, 2) < 0)
        child_fail(status_fd, 0, errno);
    if (::chdir(request.cwd.c_str()) != 0) child_fail(status_fd, 1, errno);
    if (auto s = caps::become_unprivileged(request.uid, request.gid); !s)
        child_fail(status_fd, 0, s.error().sys_errno ? s.error().sys_errno : EPERM);
    // Every descriptor but 0-2 is closed at exec; the status pipe stays usable until then.
    if (::syscall(SYS_close_range, 3u, ~0u, CLOSE_RANGE_CLOEXEC) != 0)
        child_fail(status_fd, 0, errno);
    if (program.empty()) child_fail(status_fd, 2, ENOENT);
    ::execve(program.c_str(), argv, envp);
    child_fail(status_fd, 2, errno);
}

std::vector<char*> c_strings(const std::vector<std::string>& strings) {
    std::vector<char*> out;
    out.reserve(strings.size() + 1);
    for (const auto& s : strings)
        out.push_back(const_cast<char*>(s.c_str()));
    out.push_back(nullptr);
    return out;
}

struct Terminal {
    UniqueFd master, slave;
};

// A new terminal pair from the sandbox's private devpts instance.
Result<Terminal> open_terminal(unsigned short rows, unsigned short cols) {
    UniqueFd master(::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC));
    if (!master) return std::unexpected(sys_error("open /dev/ptmx"));
    if (::unlockpt(master.get()) != 0) return std::unexpected(sys_error("unlockpt"));
    // TIOCGPTPEER opens the peer through the master itself, never by a path that could be
    // swapped (CVE-2025-52565 class).
    UniqueFd slave(::ioctl(master.get(), TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC));
    if (!slave) return std::unexpected(sys_error("open terminal peer"));
    winsize size{rows, cols, 0, 0};
    if (::ioctl(master.get(), TIOCSWINSZ, &size) != 0)
        return std::unexpected(sys_error("set terminal size"));
    return Terminal{std::move(master), std::move(slave)};
}

// Fork and exec with the given descriptors as 0, 1, 2. Failures before exec are returned.
Result<pid_t> fork_exec(const SpawnRequest& request, int in_fd, int out_fd, int err_fd) {
    auto status = make_pipe();
    if (!status) return std::unexpected(status.error());
    // Everything the child touches is prepared before fork.
    std::string program = resolve_program(request);
    auto argv = c_strings(request.argv);
    auto envp = c_strings(request.env);

    pid_t pid = ::fork();
    if (pid < 0) return std::unexpected(sys_error("fork"));
    if (pid == 0)
        run_child(request, program, in_fd, out_fd, err_fd, status->write.get(), argv.data(),
                  envp.data());

    status->write.reset();
    ChildFailure failure{};
    ssize_t n;
    do {
        n = ::read(status->read.get(), &failure, sizeof failure);
    } while (n < 0 && errno == EINTR);
    if (n != static_cast<ssize_t>(sizeof failure)) return pid; // EOF: exec succeeded
    // The child never ran the program: reap it here so the caller sees a spawn error.
    ::waitpid(pid, nullptr, 0);
    static constexpr const char* stages[] = {"prepare process", "change directory to", "execute"};
    std::string what = stages[failure.stage % 3];
    what += " '";
    what += failure.stage == 1 ? request.cwd : request.argv[0];
    what += "'";
    return std::unexpected(sys_error(what, failure.err));
}

} // namespace

Result<SpawnedProcess> spawn_process(const SpawnRequest& request) {
    if (request.argv.empty() || request.argv[0].empty())
        return std::unexpected(make_error(Errc::invalid_argument, "empty command"));
    SpawnedProcess spawned;
    if (request.pty) {
        auto terminal = open_terminal(request.rows, request.cols);
        if (!terminal) return std::unexpected(terminal.error());
        int tty = terminal->slave.get();
        auto pid = fork_exec(request, tty, tty, tty);
        if (!pid) return std::unexpected(pid.error());
        spawned.pid = *pid;
        spawned.pty_master = std::move(terminal->master);
        return spawned;
    }
    auto out = make_pipe();
    auto err = out ? make_pipe() : std::move(out);
    if (!err) return std::unexpected(err.error());
    UniqueFd stdin_read;
    if (request.open_stdin) {
        auto in = make_pipe();
        if (!in) return std::unexpected(in.error());
        stdin_read = std::move(in->read);
        spawned.stdin_writer = std::move(in->write);
    } else {
        stdin_read.reset(::open("/dev/null", O_RDONLY | O_CLOEXEC));
        if (!stdin_read) return std::unexpected(sys_error("open /dev/null"));
    }
    (void)::fcntl(out->write.get(), F_SETPIPE_SZ, kPipeSize);
    auto pid = fork_exec(request, stdin_read.get(), out->write.get(), err->write.get());
    if (!pid) return std::unexpected(pid.error());
    spawned.pid = *pid;
    spawned.stdout_reader = std::move(out->read);
    spawned.stderr_reader = std::move(err->read);
    return spawned;
}

} // namespace soulbox::agent
