#include "agent/process_service.hpp"

#include "agent/path_resolver.hpp"
#include "agent/process_tree.hpp"
#include "agent/spawner.hpp"

#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

namespace soulbox::agent {
namespace {

using protocol::Field;
using protocol::Message;
using protocol::Op;

constexpr std::uint64_t kMaxTerminalSide = 10000;

std::uint64_t monotonic_ms() {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return std::uint64_t(ts.tv_sec) * 1000 + std::uint64_t(ts.tv_nsec) / 1000000;
}

Status check_terminal_size(std::uint64_t rows, std::uint64_t cols) {
    if (rows == 0 || rows > kMaxTerminalSide || cols == 0 || cols > kMaxTerminalSide)
        return std::unexpected(
            make_error(Errc::invalid_argument, "terminal size must be 1-10000 rows and cols"));
    return {};
}

UniqueFd duplicate(const UniqueFd& fd) {
    return UniqueFd(::fcntl(fd.get(), F_DUPFD_CLOEXEC, 0));
}

Status watch(int poll_fd, int fd) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = fd;
    if (::epoll_ctl(poll_fd, EPOLL_CTL_ADD, fd, &ev) != 0)
        return std::unexpected(sys_error("epoll_ctl"));
    return {};
}

} // namespace

Result<std::unique_ptr<ProcessService>> ProcessService::create(Settings settings,
                                                               EventSink send_event) {
    std::unique_ptr<ProcessService> service(
        new ProcessService(std::move(settings), std::move(send_event)));
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    ::sigprocmask(SIG_BLOCK, &chld, nullptr);
    service->poll_.reset(::epoll_create1(EPOLL_CLOEXEC));
    service->sigchld_.reset(::signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK));
    service->deadline_timer_.reset(::timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK));
    if (!service->poll_ || !service->sigchld_ || !service->deadline_timer_)
        return std::unexpected(sys_error("process service setup"));
    for (int fd : {service->sigchld_.get(), service->deadline_timer_.get()})
        if (auto s = watch(service->poll_.get(), fd); !s) return std::unexpected(s.error());
    return service;
}

void ProcessService::on_readable() {
    epoll_event events[64];
    int n = ::epoll_wait(poll_.get(), events, 64, 0);
    for (int i = 0; i < n; ++i) {
        int fd = events[i].data.fd;
        if (fd == sigchld_.get()) {
            signalfd_siginfo info;
            while (::read(fd, &info, sizeof info) > 0) {
            }
            reap_children();
        } else if (fd == deadline_timer_.get()) {
            std::uint64_t ticks;
            (void)!::read(fd, &ticks, sizeof ticks);
            expire_processes();
        } else if (draining_.count(fd)) {
            drain(fd);
        }
    }
}

Result<Process*> ProcessService::find(const Message& request) {
    auto pid = request.get_u64(Field::pid);
    Process* process = pid ? table_.find(static_cast<pid_t>(*pid)) : nullptr;
    if (!process)
        return std::unexpected(make_error(Errc::not_found, "no running process with pid " +
                                                               std::to_string(pid.value_or(0))));
    return process;
}

std::vector<std::string> ProcessService::build_env(const std::vector<std::string_view>& extra,
                                                   bool as_root) const {
    std::map<std::string, std::string> env{
        {"PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/opt/soulbox/bin"},
        {"HOME", as_root ? "/root" : "/home/user"},
        {"USER", as_root ? "root" : "user"},
        {"LOGNAME", as_root ? "root" : "user"},
        {"SHELL", "/bin/bash"},
        {"LANG", "C.UTF-8"},
    };
    auto apply = [&](std::string_view kv) {
        auto eq = kv.find('=');
        if (eq != std::string_view::npos) env[std::string(kv.substr(0, eq))] = kv.substr(eq + 1);
    };
    for (const auto& kv : settings_.sandbox_env)
        apply(kv);
    for (auto kv : extra)
        apply(kv);
    std::vector<std::string> out;
    out.reserve(env.size());
    for (auto& [k, v] : env)
        out.push_back(k + "=" + v);
    return out;
}

Message ProcessService::process_reply(const Process& process) const {
    Message reply(Op::reply, 0);
    reply.add_u64(Field::pid, static_cast<std::uint64_t>(process.pid));
    reply.add_u64(Field::has_stdin, process.stdin_writer ? 1 : 0);
    if (process.pty_master) {
        // A terminal has one descriptor, its master side, for both output and input.
        reply.add_u64(Field::is_pty, 1);
        reply.add_fd(duplicate(process.pty_master));
        return reply;
    }
    if (process.stdin_writer) reply.add_fd(duplicate(process.stdin_writer));
    reply.add_fd(duplicate(process.stdout_reader));
    reply.add_fd(duplicate(process.stderr_reader));
    return reply;
}

Result<Message> ProcessService::spawn(ConnectionId connection, const Message& request) {
    SpawnRequest spawn;
    for (auto arg : request.get_all(Field::argv))
        spawn.argv.emplace_back(arg);
    std::string user(request.get(Field::user).value_or("user"));
    bool as_root = user == "root";
    if (!as_root && user != "user")
        return std::unexpected(
            make_error(Errc::invalid_argument, "unknown user '" + user + "' (use user or root)"));
    if (as_root && settings_.rootless)
        return std::unexpected(make_error(Errc::unsupported,
                                          "user 'root' is not available in a rootless sandbox "
                                          "(only the sandbox user's id is mapped)"));
    spawn.uid = as_root ? 0 : settings_.user_uid;
    spawn.gid = as_root ? 0 : settings_.user_gid;
    spawn.env = build_env(request.get_all(Field::env), as_root);
    // A relative cwd is taken relative to the user's home (E2B); normalizing folds "..", and
    // chdir runs in the sandbox's own root, so it cannot name anything outside it.
    std::string_view home = as_root ? "/root" : "/home/user";
    auto cwd = normalize_path(request.get(Field::cwd).value_or(home), home);
    if (!cwd) return std::unexpected(cwd.error());
    spawn.cwd = std::move(*cwd);
    spawn.open_stdin = request.get_u64(Field::open_stdin).value_or(0) != 0;
    if (auto rows = request.get_u64(Field::pty_rows)) {
        auto cols = request.get_u64(Field::pty_cols).value_or(80);
        if (auto s = check_terminal_size(*rows, cols); !s) return std::unexpected(s.error());
        spawn.pty = true;
        spawn.rows = static_cast<unsigned short>(*rows);
        spawn.cols = static_cast<unsigned short>(cols);
    }
    auto spawned = spawn_process(spawn);
    if (!spawned) return std::unexpected(spawned.error());

    Process process;
    process.pid = spawned->pid;
    process.tag = std::string(request.get(Field::tag).value_or(""));
    process.cwd = spawn.cwd;
    process.user = user;
    process.argv = std::move(spawn.argv);
    for (auto kv : request.get_all(Field::env))
        process.env.emplace_back(kv);
    process.stdin_writer = std::move(spawned->stdin_writer);
    process.stdout_reader = std::move(spawned->stdout_reader);
    process.stderr_reader = std::move(spawned->stderr_reader);
    if (spawned->pty_master) {
        process.stdout_reader = duplicate(spawned->pty_master);
        process.pty_master = std::move(spawned->pty_master);
    }
    if (auto timeout = request.get_u64(Field::timeout_ms); timeout && *timeout > 0)
        process.deadline_ms = monotonic_ms() + *timeout;
    process.subscriber = connection;
    Process& stored = table_.add(std::move(process));
    rearm_deadline_timer();
    return process_reply(stored);
}

Result<Message> ProcessService::attach(ConnectionId connection, const Message& request) {
    auto process = find(request);
    if (!process) return std::unexpected(process.error());
    Process& p = **process;
    if (p.subscriber != kNoConnection && p.subscriber != connection)
        return std::unexpected(
            make_error(Errc::already_exists,
                       "process " + std::to_string(p.pid) + " is attached to another connection"));
    stop_draining(p);
    p.subscriber = connection;
    return process_reply(p);
}

Result<Message> ProcessService::detach(ConnectionId connection, const Message& request) {
    auto process = find(request);
    if (process && (*process)->subscriber == connection) {
        (*process)->subscriber = kNoConnection;
        start_draining(**process);
    }
    return Message(Op::reply, 0); // detaching from what already exited is fine
}

Result<Message> ProcessService::list(ConnectionId, const Message&) {
    Message reply(Op::reply, 0);
    for (const auto& [pid, process] : table_.processes()) {
        Message entry;
        entry.add_u64(Field::pid, static_cast<std::uint64_t>(pid));
        entry.add(Field::tag, process.tag);
        entry.add(Field::cwd, process.cwd);
        entry.add(Field::user, process.user);
        for (const auto& arg : process.argv)
            entry.add(Field::argv, arg);
        for (const auto& kv : process.env)
            entry.add(Field::env, kv);
        reply.add(Field::process, entry.encode_fields());
    }
    return reply;
}

Result<Message> ProcessService::signal(ConnectionId, const Message& request) {
    auto process = find(request);
    if (!process) return std::unexpected(process.error());
    int sig = static_cast<int>(request.get_u64(Field::signal).value_or(SIGKILL));
    if (sig <= 0 || sig >= NSIG)
        return std::unexpected(make_error(Errc::invalid_argument, "invalid signal number"));
    pid_t pid = (*process)->pid;
    if (sig == SIGKILL)
        signal_tree(pid, sig);
    else if (::kill(-pid, sig) != 0)
        ::kill(pid, sig);
    return Message(Op::reply, 0);
}

Result<Message> ProcessService::resize(ConnectionId, const Message& request) {
    auto process = find(request);
    if (!process) return std::unexpected(process.error());
    Process& p = **process;
    if (!p.pty_master)
        return std::unexpected(make_error(Errc::invalid_argument,
                                          "process " + std::to_string(p.pid) + " has no terminal"));
    auto rows = request.get_u64(Field::pty_rows).value_or(0);
    auto cols = request.get_u64(Field::pty_cols).value_or(0);
    if (auto s = check_terminal_size(rows, cols); !s) return std::unexpected(s.error());
    winsize size{static_cast<unsigned short>(rows), static_cast<unsigned short>(cols), 0, 0};
    if (::ioctl(p.pty_master.get(), TIOCSWINSZ, &size) != 0)
        return std::unexpected(sys_error("resize terminal"));
    return Message(Op::reply, 0);
}

Result<Message> ProcessService::stdin_fd(ConnectionId, const Message& request) {
    auto process = find(request);
    if (!process) return std::unexpected(process.error());
    Process& p = **process;
    const UniqueFd& input = p.pty_master ? p.pty_master : p.stdin_writer;
    if (!input)
        return std::unexpected(
            make_error(Errc::invalid_argument, "stdin of process " + std::to_string(p.pid) +
                                                   " is not open (start it with stdin enabled)"));
    Message reply(Op::reply, 0);
    reply.add_fd(duplicate(input));
    return reply;
}

Result<Message> ProcessService::close_stdin(ConnectionId, const Message& request) {
    auto process = find(request);
    if (!process) return std::unexpected(process.error());
    (*process)->stdin_writer.reset();
    return Message(Op::reply, 0);
}

void ProcessService::connection_closed(ConnectionId connection) {
    for (Process* process : table_.subscribed_by(connection)) {
        process->subscriber = kNoConnection;
        start_draining(*process);
    }
}

void ProcessService::start_draining(Process& process) {
    for (UniqueFd* fd : {&process.stdout_reader, &process.stderr_reader}) {
        if (!*fd || draining_.count(fd->get())) continue;
        ::fcntl(fd->get(), F_SETFL, ::fcntl(fd->get(), F_GETFL) | O_NONBLOCK);
        if (watch(poll_.get(), fd->get())) draining_[fd->get()] = process.pid;
    }
}

void ProcessService::stop_draining(Process& process) {
    for (UniqueFd* fd : {&process.stdout_reader, &process.stderr_reader}) {
        if (!*fd || !draining_.count(fd->get())) continue;
        ::epoll_ctl(poll_.get(), EPOLL_CTL_DEL, fd->get(), nullptr);
        draining_.erase(fd->get());
    }
}

void ProcessService::drain(int fd) {
    char sink[65536];
    ssize_t r = ::read(fd, sink, sizeof sink);
    if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
        ::epoll_ctl(poll_.get(), EPOLL_CTL_DEL, fd, nullptr);
        draining_.erase(fd);
    }
}

void ProcessService::reap_children() {
    for (;;) {
        int status = 0;
        pid_t pid = ::waitpid(-1, &status, WNOHANG);
        if (pid <= 0) return;
        // Out of the table before the event is sent: a failed send closes the connection,
        // which must not start draining this process's pipes.
        auto process = table_.take(pid);
        if (!process) continue; // an orphan reparented to us
        stop_draining(*process);
        if (process->subscriber == kNoConnection) continue;
        Message event(Op::exit_event, 0);
        event.add_u64(Field::pid, static_cast<std::uint64_t>(pid));
        if (WIFEXITED(status))
            event.add_u64(Field::exit_code, static_cast<std::uint64_t>(WEXITSTATUS(status)));
        else
            event.add_u64(Field::term_signal, static_cast<std::uint64_t>(WTERMSIG(status)));
        event.add_u64(Field::timed_out, process->timed_out ? 1 : 0);
        send_event_(process->subscriber, std::move(event));
    }
}

void ProcessService::expire_processes() {
    for (Process* process : table_.expire(monotonic_ms()))
        signal_tree(process->pid, SIGKILL);
    rearm_deadline_timer();
}

void ProcessService::rearm_deadline_timer() {
    std::uint64_t next = table_.next_deadline();
    itimerspec spec{};
    spec.it_value.tv_sec = static_cast<time_t>(next / 1000);
    spec.it_value.tv_nsec = static_cast<long>(next % 1000) * 1000000;
    ::timerfd_settime(deadline_timer_.get(), TFD_TIMER_ABSTIME, &spec, nullptr);
}

} // namespace soulbox::agent
