#include "agent/server.hpp"

#include "agent/files.hpp"
#include "agent/spawner.hpp"
#include "protocol/message.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <map>
#include <memory>
#include <set>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

namespace soulbox::agent {
namespace {

using protocol::Field;
using protocol::Message;
using protocol::Op;

struct Connection {
    UniqueFd socket;
    protocol::Reader reader;
    protocol::Writer writer;
    bool want_write = false;
};

struct Process {
    pid_t pid = -1;
    std::string tag, cwd, user;
    std::vector<std::string> argv, env;
    UniqueFd stdin_writer, stdout_reader, stderr_reader; // the agent's own copies
    UniqueFd pty_master;        // terminal processes: the master side (also in stdout_reader)
    int subscriber = -1;        // connection fd attached to the output, -1 = none (drained)
    std::uint64_t deadline = 0; // CLOCK_MONOTONIC ms, 0 = none
    bool timed_out = false;
};

std::uint64_t now_ms(clockid_t clock) {
    timespec ts{};
    ::clock_gettime(clock, &ts);
    return std::uint64_t(ts.tv_sec) * 1000 + std::uint64_t(ts.tv_nsec) / 1000000;
}

void arm_timer(int timer_fd, std::uint64_t deadline_ms, bool absolute) {
    itimerspec spec{};
    if (deadline_ms > 0) {
        spec.it_value.tv_sec = static_cast<time_t>(deadline_ms / 1000);
        spec.it_value.tv_nsec = static_cast<long>(deadline_ms % 1000) * 1000000;
    }
    ::timerfd_settime(timer_fd, absolute ? TFD_TIMER_ABSTIME : 0, &spec, nullptr);
}

// Parent pid of every process, from /proc, to find a process's descendants.
std::map<pid_t, pid_t> parent_map() {
    std::map<pid_t, pid_t> parents;
    DIR* dir = ::opendir("/proc");
    if (!dir) return parents;
    while (dirent* entry = ::readdir(dir)) {
        char* end = nullptr;
        long pid = std::strtol(entry->d_name, &end, 10);
        if (*end != '\0' || pid <= 1) continue;
        char path[64], buf[512];
        std::snprintf(path, sizeof path, "/proc/%ld/stat", pid);
        int fd = ::open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) continue;
        ssize_t n = ::read(fd, buf, sizeof buf - 1);
        ::close(fd);
        if (n <= 0) continue;
        buf[n] = '\0';
        // "pid (comm) state ppid ...": comm may hold spaces and parentheses; skip to the last ')'.
        char* close = std::strrchr(buf, ')');
        if (!close) continue;
        char state;
        int ppid;
        if (std::sscanf(close + 1, " %c %d", &state, &ppid) == 2)
            parents[static_cast<pid_t>(pid)] = ppid;
    }
    ::closedir(dir);
    return parents;
}

// Signal a process, its process group and every descendant still attached to it. A process
// that double-forks away is reparented to us and is only stopped by the sandbox's end.
void signal_tree(pid_t root, int sig) {
    auto parents = parent_map();
    std::set<pid_t> tree{root};
    for (bool grew = true; grew;) {
        grew = false;
        for (auto [pid, ppid] : parents)
            if (tree.count(ppid) && tree.insert(pid).second) grew = true;
    }
    ::kill(-root, sig);
    for (pid_t pid : tree)
        ::kill(pid, sig);
}

class Server {
public:
    explicit Server(ServerConfig config) : config_(std::move(config)) {}
    Status run();

private:
    Status add_fd(int fd, std::uint32_t events);
    void accept_connections();
    void handle_connection(int fd, std::uint32_t events);
    void close_connection(int fd);
    void send(int fd, Message message);
    void handle_request(int fd, Message request);
    Message do_spawn(const Message& request);
    Message do_attach(int fd, const Message& request);
    Message do_list(const Message& request);
    Message process_reply(const Message& request, Process& process);
    void reap_children();
    void expire_processes();
    void rearm_process_timer();
    void start_draining(Process& process);
    void stop_draining(Process& process);
    std::vector<std::string> build_env(const std::vector<std::string_view>& extra,
                                       bool as_root) const;

    ServerConfig config_;
    UniqueFd epoll_, signals_, sandbox_timer_, process_timer_;
    std::map<int, std::unique_ptr<Connection>> connections_;
    std::map<pid_t, Process> processes_;
    std::map<int, pid_t> draining_; // output fd -> process, while nobody is attached
    std::unique_ptr<FileService> files_;
    bool done_ = false;
};

Status Server::add_fd(int fd, std::uint32_t events) {
    epoll_event ev{};
    ev.events = events;
    ev.data.fd = fd;
    if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev) != 0)
        return std::unexpected(sys_error("epoll_ctl"));
    return {};
}

Status Server::run() {
    epoll_.reset(::epoll_create1(EPOLL_CLOEXEC));
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    ::sigprocmask(SIG_BLOCK, &chld, nullptr);
    signals_.reset(::signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK));
    sandbox_timer_.reset(::timerfd_create(CLOCK_REALTIME, TFD_CLOEXEC | TFD_NONBLOCK));
    process_timer_.reset(::timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK));
    if (!epoll_ || !signals_ || !sandbox_timer_ || !process_timer_)
        return std::unexpected(sys_error("agent event setup"));
    arm_timer(sandbox_timer_.get(), config_.deadline_ms, true);
    files_ = std::make_unique<FileService>(
        FileIdentity{config_.user_uid, config_.user_gid, config_.rootless},
        [this](int connection, Message event) { send(connection, std::move(event)); });
    for (int fd : {signals_.get(), sandbox_timer_.get(), process_timer_.get(),
                   config_.listen_socket.get(), files_->watch_fd()})
        if (auto s = add_fd(fd, EPOLLIN); !s) return s;

    int boot = config_.bootstrap.get();
    auto conn = std::make_unique<Connection>();
    conn->socket = std::move(config_.bootstrap);
    connections_[boot] = std::move(conn);
    if (auto s = add_fd(boot, EPOLLIN); !s) return s;
    send(boot, Message(Op::ready, 0));

    epoll_event events[64];
    while (!done_) {
        int n = ::epoll_wait(epoll_.get(), events, 64, -1);
        if (n < 0) {
            if (errno == EINTR) continue;
            return std::unexpected(sys_error("epoll_wait"));
        }
        for (int i = 0; i < n && !done_; ++i) {
            int fd = events[i].data.fd;
            if (fd == signals_.get()) {
                signalfd_siginfo info;
                while (::read(fd, &info, sizeof info) > 0) {
                }
                reap_children();
            } else if (fd == sandbox_timer_.get()) {
                done_ = true; // sandbox timeout: returning ends PID 1 and the whole namespace
            } else if (fd == process_timer_.get()) {
                std::uint64_t ticks;
                (void)!::read(fd, &ticks, sizeof ticks);
                expire_processes();
            } else if (fd == files_->watch_fd()) {
                files_->on_watch_readable();
            } else if (fd == config_.listen_socket.get()) {
                accept_connections();
            } else if (draining_.count(fd)) {
                char sink[65536];
                ssize_t r = ::read(fd, sink, sizeof sink);
                if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
                    ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr);
                    draining_.erase(fd);
                }
            } else if (connections_.count(fd)) {
                handle_connection(fd, events[i].events);
            }
        }
    }
    return {};
}

void Server::accept_connections() {
    for (;;) {
        int fd =
            ::accept4(config_.listen_socket.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd < 0) return;
        auto conn = std::make_unique<Connection>();
        conn->socket.reset(fd);
        connections_[fd] = std::move(conn);
        if (!add_fd(fd, EPOLLIN)) close_connection(fd);
    }
}

void Server::close_connection(int fd) {
    ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr);
    files_->connection_closed(fd);
    for (auto& [pid, process] : processes_)
        if (process.subscriber == fd) {
            process.subscriber = -1;
            start_draining(process);
        }
    connections_.erase(fd);
}

void Server::send(int fd, Message message) {
    auto it = connections_.find(fd);
    if (it == connections_.end()) return;
    Connection& conn = *it->second;
    if (!conn.writer.queue(std::move(message))) return;
    auto flushed = conn.writer.flush(fd);
    if (!flushed) {
        close_connection(fd);
        return;
    }
    bool want_write = !*flushed;
    if (want_write != conn.want_write) {
        conn.want_write = want_write;
        epoll_event ev{};
        ev.events = EPOLLIN | (want_write ? EPOLLOUT : 0u);
        ev.data.fd = fd;
        ::epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, fd, &ev);
    }
}

void Server::handle_connection(int fd, std::uint32_t events) {
    Connection& conn = *connections_[fd];
    if (events & EPOLLOUT) {
        auto flushed = conn.writer.flush(fd);
        if (!flushed) return close_connection(fd);
        if (*flushed) {
            conn.want_write = false;
            epoll_event ev{};
            ev.events = EPOLLIN;
            ev.data.fd = fd;
            ::epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, fd, &ev);
        }
    }
    if (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR))) return;
    auto more = conn.reader.read_some(fd);
    if (!more || !*more) return close_connection(fd);
    while (auto next = conn.reader.next()) {
        if (!*next) return close_connection(fd); // a peer that breaks framing is dropped
        handle_request(fd, std::move(**next));
        if (!connections_.count(fd)) return;
    }
}

std::vector<std::string> Server::build_env(const std::vector<std::string_view>& extra,
                                           bool as_root) const {
    std::map<std::string, std::string> env{
        {"PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
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
    for (const auto& kv : config_.sandbox_env)
        apply(kv);
    for (auto kv : extra)
        apply(kv);
    std::vector<std::string> out;
    out.reserve(env.size());
    for (auto& [k, v] : env)
        out.push_back(k + "=" + v);
    return out;
}

Message Server::process_reply(const Message& request, Process& process) {
    Message reply(Op::reply, request.request_id());
    reply.add_u64(Field::pid, static_cast<std::uint64_t>(process.pid));
    reply.add_u64(Field::has_stdin, process.stdin_writer ? 1 : 0);
    auto dup_of = [](const UniqueFd& fd) {
        return UniqueFd(::fcntl(fd.get(), F_DUPFD_CLOEXEC, 0));
    };
    if (process.pty_master) {
        // A terminal has one descriptor, its master side, for both output and input.
        reply.add_u64(Field::is_pty, 1);
        reply.add_fd(dup_of(process.pty_master));
        return reply;
    }
    if (process.stdin_writer) reply.add_fd(dup_of(process.stdin_writer));
    reply.add_fd(dup_of(process.stdout_reader));
    reply.add_fd(dup_of(process.stderr_reader));
    return reply;
}

Message Server::do_spawn(const Message& request) {
    SpawnRequest spawn;
    for (auto arg : request.get_all(Field::argv))
        spawn.argv.emplace_back(arg);
    std::string user(request.get(Field::user).value_or("user"));
    bool as_root = user == "root";
    if (!as_root && user != "user")
        return Message::error_reply(
            request.request_id(),
            make_error(Errc::invalid_argument, "unknown user '" + user + "' (use user or root)"));
    if (as_root && config_.rootless)
        return Message::error_reply(request.request_id(),
                                    make_error(Errc::unsupported,
                                               "user 'root' is not available in a rootless sandbox "
                                               "(only the sandbox user's id is mapped)"));
    spawn.uid = as_root ? 0 : config_.user_uid;
    spawn.gid = as_root ? 0 : config_.user_gid;
    spawn.env = build_env(request.get_all(Field::env), as_root);
    spawn.cwd = std::string(request.get(Field::cwd).value_or(as_root ? "/root" : "/home/user"));
    spawn.open_stdin = request.get_u64(Field::open_stdin).value_or(0) != 0;
    if (auto rows = request.get_u64(Field::pty_rows)) {
        auto cols = request.get_u64(Field::pty_cols).value_or(80);
        if (*rows == 0 || *rows > 10000 || cols == 0 || cols > 10000)
            return Message::error_reply(
                request.request_id(),
                make_error(Errc::invalid_argument, "terminal size must be 1-10000 rows and cols"));
        spawn.pty = true;
        spawn.rows = static_cast<unsigned short>(*rows);
        spawn.cols = static_cast<unsigned short>(cols);
    }
    auto spawned = spawn_process(spawn);
    if (!spawned) return Message::error_reply(request.request_id(), spawned.error());

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
        process.stdout_reader.reset(::fcntl(spawned->pty_master.get(), F_DUPFD_CLOEXEC, 0));
        process.pty_master = std::move(spawned->pty_master);
    }
    if (auto timeout = request.get_u64(Field::timeout_ms); timeout && *timeout > 0)
        process.deadline = now_ms(CLOCK_MONOTONIC) + *timeout;
    auto& stored = processes_[process.pid] = std::move(process);
    rearm_process_timer();
    return process_reply(request, stored);
}

Message Server::do_attach(int fd, const Message& request) {
    auto pid = request.get_u64(Field::pid);
    auto it = pid ? processes_.find(static_cast<pid_t>(*pid)) : processes_.end();
    if (it == processes_.end())
        return Message::error_reply(
            request.request_id(), make_error(Errc::not_found, "no running process with pid " +
                                                                  std::to_string(pid.value_or(0))));
    Process& process = it->second;
    if (process.subscriber >= 0 && process.subscriber != fd)
        return Message::error_reply(
            request.request_id(),
            make_error(Errc::already_exists, "process " + std::to_string(process.pid) +
                                                 " is attached to another connection"));
    stop_draining(process);
    process.subscriber = fd;
    return process_reply(request, process);
}

Message Server::do_list(const Message& request) {
    Message reply(Op::reply, request.request_id());
    for (const auto& [pid, process] : processes_) {
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

void Server::handle_request(int fd, Message request) {
    auto id = request.request_id();
    auto find = [&]() -> Process* {
        auto pid = request.get_u64(Field::pid);
        auto it = pid ? processes_.find(static_cast<pid_t>(*pid)) : processes_.end();
        return it == processes_.end() ? nullptr : &it->second;
    };
    auto not_found = [&] {
        return Message::error_reply(
            id, make_error(Errc::not_found,
                           "no running process with pid " +
                               std::to_string(request.get_u64(Field::pid).value_or(0))));
    };
    switch (request.op()) {
    case Op::spawn: {
        Message reply = do_spawn(request);
        if (!reply.error())
            processes_[static_cast<pid_t>(*reply.get_u64(Field::pid))].subscriber = fd;
        return send(fd, std::move(reply));
    }
    case Op::attach:
        return send(fd, do_attach(fd, request));
    case Op::list:
        return send(fd, do_list(request));
    case Op::signal: {
        Process* process = find();
        if (!process) return send(fd, not_found());
        int sig = static_cast<int>(request.get_u64(Field::signal).value_or(SIGKILL));
        if (sig <= 0 || sig >= NSIG)
            return send(fd, Message::error_reply(
                                id, make_error(Errc::invalid_argument, "invalid signal number")));
        if (sig == SIGKILL)
            signal_tree(process->pid, sig);
        else if (::kill(-process->pid, sig) != 0)
            ::kill(process->pid, sig);
        return send(fd, Message(Op::reply, id));
    }
    case Op::resize: {
        Process* process = find();
        if (!process) return send(fd, not_found());
        auto rows = request.get_u64(Field::pty_rows).value_or(0);
        auto cols = request.get_u64(Field::pty_cols).value_or(0);
        if (!process->pty_master)
            return send(
                fd, Message::error_reply(id, make_error(Errc::invalid_argument,
                                                        "process " + std::to_string(process->pid) +
                                                            " has no terminal")));
        if (rows == 0 || rows > 10000 || cols == 0 || cols > 10000)
            return send(fd, Message::error_reply(
                                id, make_error(Errc::invalid_argument,
                                               "terminal size must be 1-10000 rows and cols")));
        winsize size{static_cast<unsigned short>(rows), static_cast<unsigned short>(cols), 0, 0};
        if (::ioctl(process->pty_master.get(), TIOCSWINSZ, &size) != 0)
            return send(fd, Message::error_reply(id, sys_error("resize terminal")));
        return send(fd, Message(Op::reply, id));
    }
    case Op::stdin_fd: {
        Process* process = find();
        if (!process) return send(fd, not_found());
        if (process->pty_master) {
            Message reply(Op::reply, id);
            reply.add_fd(UniqueFd(::fcntl(process->pty_master.get(), F_DUPFD_CLOEXEC, 0)));
            return send(fd, std::move(reply));
        }
        if (!process->stdin_writer)
            return send(fd, Message::error_reply(
                                id, make_error(Errc::invalid_argument,
                                               "stdin of process " + std::to_string(process->pid) +
                                                   " is not open (start it with stdin enabled)")));
        Message reply(Op::reply, id);
        reply.add_fd(UniqueFd(::fcntl(process->stdin_writer.get(), F_DUPFD_CLOEXEC, 0)));
        return send(fd, std::move(reply));
    }
    case Op::close_stdin: {
        Process* process = find();
        if (!process) return send(fd, not_found());
        process->stdin_writer.reset();
        return send(fd, Message(Op::reply, id));
    }
    case Op::detach: {
        Process* process = find();
        if (process && process->subscriber == fd) {
            process->subscriber = -1;
            start_draining(*process);
        }
        return send(fd, Message(Op::reply, id));
    }
    case Op::set_timeout: {
        config_.deadline_ms = request.get_u64(Field::deadline_ms).value_or(0);
        arm_timer(sandbox_timer_.get(), config_.deadline_ms, true);
        return send(fd, Message(Op::reply, id));
    }
    case Op::fs_open_read:
    case Op::fs_open_write:
    case Op::fs_commit:
    case Op::fs_abort:
    case Op::fs_stat:
    case Op::fs_list:
    case Op::fs_remove:
    case Op::fs_rename:
    case Op::fs_mkdir:
    case Op::fs_watch:
    case Op::fs_unwatch:
        return send(fd, files_->handle(fd, request));
    default:
        return send(fd, Message::error_reply(id, make_error(Errc::protocol, "unexpected request")));
    }
}

void Server::start_draining(Process& process) {
    for (UniqueFd* fd : {&process.stdout_reader, &process.stderr_reader}) {
        if (!*fd || draining_.count(fd->get())) continue;
        ::fcntl(fd->get(), F_SETFL, ::fcntl(fd->get(), F_GETFL) | O_NONBLOCK);
        if (add_fd(fd->get(), EPOLLIN)) draining_[fd->get()] = process.pid;
    }
}

void Server::stop_draining(Process& process) {
    for (UniqueFd* fd : {&process.stdout_reader, &process.stderr_reader}) {
        if (!*fd || !draining_.count(fd->get())) continue;
        ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd->get(), nullptr);
        draining_.erase(fd->get());
    }
}

void Server::reap_children() {
    for (;;) {
        int status = 0;
        pid_t pid = ::waitpid(-1, &status, WNOHANG);
        if (pid <= 0) return;
        auto it = processes_.find(pid);
        if (it == processes_.end()) continue; // an orphan reparented to us
        Process& process = it->second;
        stop_draining(process);
        if (process.subscriber >= 0) {
            Message event(Op::exit_event, 0);
            event.add_u64(Field::pid, static_cast<std::uint64_t>(pid));
            if (WIFEXITED(status))
                event.add_u64(Field::exit_code, static_cast<std::uint64_t>(WEXITSTATUS(status)));
            else
                event.add_u64(Field::term_signal, static_cast<std::uint64_t>(WTERMSIG(status)));
            event.add_u64(Field::timed_out, process.timed_out ? 1 : 0);
            send(process.subscriber, std::move(event));
        }
        processes_.erase(it);
    }
}

void Server::expire_processes() {
    std::uint64_t now = now_ms(CLOCK_MONOTONIC);
    for (auto& [pid, process] : processes_)
        if (process.deadline && process.deadline <= now && !process.timed_out) {
            process.timed_out = true;
            signal_tree(pid, SIGKILL);
        }
    rearm_process_timer();
}

void Server::rearm_process_timer() {
    std::uint64_t next = 0;
    for (const auto& [pid, process] : processes_)
        if (process.deadline && !process.timed_out && (!next || process.deadline < next))
            next = process.deadline;
    arm_timer(process_timer_.get(), next, true);
}

} // namespace

Status serve(ServerConfig config) {
    Server server(std::move(config));
    return server.run();
}

} // namespace soulbox::agent
