#include "agent/server.hpp"

#include "agent/files.hpp"
#include "agent/process_service.hpp"
#include "agent/serial_worker.hpp"
#include "agent/watch_service.hpp"
#include "protocol/message.hpp"

#include <algorithm>
#include <cerrno>
#include <map>
#include <memory>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>
#include <vector>

namespace soulbox::agent {
namespace {

using protocol::Field;
using protocol::Message;
using protocol::Op;

// The class a pointer to member function belongs to, so a route names only its handler.
template <class> struct member_of;
template <class R, class C, class... Args> struct member_of<R (C::*)(Args...)> { using type = C; };

class Server {
public:
    explicit Server(ServerConfig config) : config_(std::move(config)) {}
    Status run();

private:
    struct Connection {
        UniqueFd socket;
        protocol::Reader reader;
        protocol::Writer writer;
        bool want_write = false;
        bool broken = false; // a send failed: closed at the end of this round of events
    };
    // Serves one request: answers it now, or hands it to the file worker.
    using Route = void (Server::*)(ConnectionId connection, Message request);
    struct RouteEntry {
        Op op;
        Route route;
    };
    static const RouteEntry kRoutes[];

    Status add_fd(int fd, std::uint32_t events);
    void add_connection(UniqueFd socket);
    void accept_connections();
    void handle_connection(ConnectionId id, std::uint32_t events);
    void set_want_write(Connection& connection, bool want_write);
    void close_connection(ConnectionId id);
    void close_broken_connections();
    void send(ConnectionId id, Message message);
    void answer(ConnectionId id, std::uint32_t request_id, Result<Message> reply);
    void dispatch(ConnectionId id, Message request);

    template <class Service> Service& service();
    template <auto handler> void on_loop(ConnectionId id, Message request);
    template <auto handler> void on_file_worker(ConnectionId id, Message request);
    Result<Message> hello(ConnectionId id, const Message& request);
    Result<Message> set_timeout(ConnectionId id, const Message& request);

    ServerConfig config_;
    UniqueFd epoll_, sandbox_timer_;
    std::unique_ptr<ProcessService> processes_;
    std::unique_ptr<WatchService> watches_;
    std::shared_ptr<FileService> files_; // used on the file worker only
    std::unique_ptr<SerialWorker> file_worker_;
    ConnectionId next_connection_ = 1;
    std::map<ConnectionId, Connection> connections_;
    std::map<int, ConnectionId> by_socket_;
    std::vector<ConnectionId> broken_;
    bool done_ = false;
};

template <> Server& Server::service<Server>() {
    return *this;
}
template <> ProcessService& Server::service<ProcessService>() {
    return *processes_;
}
template <> WatchService& Server::service<WatchService>() {
    return *watches_;
}

template <auto handler> void Server::on_loop(ConnectionId id, Message request) {
    using Service = typename member_of<decltype(handler)>::type;
    answer(id, request.request_id(), (service<Service>().*handler)(id, request));
}

template <auto handler> void Server::on_file_worker(ConnectionId id, Message request) {
    file_worker_->post([this, files = files_, id,
                        request = std::move(request)]() mutable -> SerialWorker::Finish {
        Result<Message> reply = ((*files).*handler)(id, request);
        // Back on the loop: if the connection closed meanwhile, the reply is dropped.
        return [this, id, request_id = request.request_id(), reply = std::move(reply)]() mutable {
            answer(id, request_id, std::move(reply));
        };
    });
}

// Every request op this agent serves; `hello` lists exactly these. An op missing here gets an
// error reply (protocol), so a newer host learns that this agent does not have it.
const Server::RouteEntry Server::kRoutes[] = {
    {Op::hello, &Server::on_loop<&Server::hello>},
    {Op::set_timeout, &Server::on_loop<&Server::set_timeout>},
    {Op::spawn, &Server::on_loop<&ProcessService::spawn>},
    {Op::attach, &Server::on_loop<&ProcessService::attach>},
    {Op::detach, &Server::on_loop<&ProcessService::detach>},
    {Op::list, &Server::on_loop<&ProcessService::list>},
    {Op::signal, &Server::on_loop<&ProcessService::signal>},
    {Op::resize, &Server::on_loop<&ProcessService::resize>},
    {Op::stdin_fd, &Server::on_loop<&ProcessService::stdin_fd>},
    {Op::close_stdin, &Server::on_loop<&ProcessService::close_stdin>},
    {Op::fs_open_read, &Server::on_file_worker<&FileService::open_read>},
    {Op::fs_open_write, &Server::on_file_worker<&FileService::open_write>},
    {Op::fs_commit, &Server::on_file_worker<&FileService::commit>},
    {Op::fs_abort, &Server::on_file_worker<&FileService::abort>},
    {Op::fs_stat, &Server::on_file_worker<&FileService::stat>},
    {Op::fs_list, &Server::on_file_worker<&FileService::list>},
    {Op::fs_remove, &Server::on_file_worker<&FileService::remove>},
    {Op::fs_rename, &Server::on_file_worker<&FileService::rename>},
    {Op::fs_mkdir, &Server::on_file_worker<&FileService::make_dir>},
    {Op::fs_watch, &Server::on_loop<&WatchService::watch>},
    {Op::fs_unwatch, &Server::on_loop<&WatchService::unwatch>},
};

Result<Message> Server::hello(ConnectionId, const Message&) {
    // The host's protocol_version is not needed yet: every host speaks to this agent in the
    // version-1 frames, and a host tells from this reply what it may send.
    Message reply(Op::reply, 0);
    reply.add_u64(Field::protocol_version, protocol::kProtocolVersion);
    for (const RouteEntry& entry : kRoutes)
        reply.add(Field::op_name, protocol::op_name(entry.op));
    return reply;
}

Result<Message> Server::set_timeout(ConnectionId, const Message& request) {
    config_.deadline_ms = request.get_u64(Field::deadline_ms).value_or(0);
    itimerspec spec{};
    spec.it_value.tv_sec = static_cast<time_t>(config_.deadline_ms / 1000);
    spec.it_value.tv_nsec = static_cast<long>(config_.deadline_ms % 1000) * 1000000;
    if (::timerfd_settime(sandbox_timer_.get(), TFD_TIMER_ABSTIME, &spec, nullptr) != 0)
        return std::unexpected(sys_error("set the sandbox deadline"));
    return Message(Op::reply, 0);
}

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
    sandbox_timer_.reset(::timerfd_create(CLOCK_REALTIME, TFD_CLOEXEC | TFD_NONBLOCK));
    if (!epoll_ || !sandbox_timer_) return std::unexpected(sys_error("agent event setup"));
    Message deadline;
    deadline.add_u64(Field::deadline_ms, config_.deadline_ms);
    if (auto armed = set_timeout(kNoConnection, deadline); !armed)
        return std::unexpected(armed.error());

    auto send_event = [this](ConnectionId id, Message event) { send(id, std::move(event)); };
    auto processes = ProcessService::create(
        {config_.sandbox_env, config_.user_uid, config_.user_gid, config_.rootless}, send_event);
    if (!processes) return std::unexpected(processes.error());
    processes_ = std::move(*processes);
    FileIdentity identity{config_.user_uid, config_.user_gid, config_.rootless};
    watches_ = std::make_unique<WatchService>(identity, send_event);
    // Before the worker thread exists: the service reads the umask.
    files_ = std::make_shared<FileService>(identity);
    auto worker = SerialWorker::start();
    if (!worker) return std::unexpected(worker.error());
    file_worker_ = std::move(*worker);
    for (int fd : {sandbox_timer_.get(), config_.listen_socket.get(), processes_->fd(),
                   watches_->fd(), file_worker_->finished_fd()})
        if (auto s = add_fd(fd, EPOLLIN); !s) return s;

    ConnectionId bootstrap = next_connection_;
    add_connection(std::move(config_.bootstrap));
    send(bootstrap, Message(Op::ready, 0));

    epoll_event events[64];
    while (!done_) {
        int n = ::epoll_wait(epoll_.get(), events, 64, -1);
        if (n < 0) {
            if (errno == EINTR) continue;
            return std::unexpected(sys_error("epoll_wait"));
        }
        for (int i = 0; i < n && !done_; ++i) {
            int fd = events[i].data.fd;
            if (fd == sandbox_timer_.get()) {
                done_ = true; // sandbox timeout: returning ends PID 1 and the whole namespace
            } else if (fd == processes_->fd()) {
                processes_->on_readable();
            } else if (fd == file_worker_->finished_fd()) {
                file_worker_->run_finished();
            } else if (fd == watches_->fd()) {
                watches_->on_readable();
            } else if (fd == config_.listen_socket.get()) {
                accept_connections();
            } else if (auto it = by_socket_.find(fd); it != by_socket_.end()) {
                handle_connection(it->second, events[i].events);
            }
        }
        close_broken_connections();
    }
    return {};
}

void Server::add_connection(UniqueFd socket) {
    int fd = socket.get();
    ConnectionId id = next_connection_++;
    connections_[id].socket = std::move(socket);
    by_socket_[fd] = id;
    if (!add_fd(fd, EPOLLIN)) close_connection(id);
}

void Server::accept_connections() {
    for (;;) {
        int fd =
            ::accept4(config_.listen_socket.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd < 0) return;
        add_connection(UniqueFd(fd));
    }
}

void Server::close_connection(ConnectionId id) {
    auto it = connections_.find(id);
    if (it == connections_.end()) return;
    int fd = it->second.socket.get();
    ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr);
    processes_->connection_closed(id);
    watches_->connection_closed(id);
    // Behind the connection's own file jobs (FIFO): a write still being opened is dropped too.
    file_worker_->post([files = files_, id]() -> SerialWorker::Finish {
        files->connection_closed(id);
        return {};
    });
    by_socket_.erase(fd);
    connections_.erase(it);
}

void Server::close_broken_connections() {
    for (ConnectionId id : std::exchange(broken_, {}))
        close_connection(id);
}

void Server::set_want_write(Connection& connection, bool want_write) {
    if (want_write == connection.want_write) return;
    connection.want_write = want_write;
    epoll_event ev{};
    ev.events = EPOLLIN | (want_write ? EPOLLOUT : 0u);
    ev.data.fd = connection.socket.get();
    ::epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, connection.socket.get(), &ev);
}

void Server::send(ConnectionId id, Message message) {
    auto it = connections_.find(id);
    if (it == connections_.end() || it->second.broken) return;
    Connection& connection = it->second;
    if (!connection.writer.queue(std::move(message))) return;
    auto flushed = connection.writer.flush(connection.socket.get());
    if (!flushed) {
        // Closed later: the caller may be iterating what closing changes (processes, watches).
        connection.broken = true;
        broken_.push_back(id);
        return;
    }
    set_want_write(connection, !*flushed);
}

void Server::answer(ConnectionId id, std::uint32_t request_id, Result<Message> reply) {
    Message out = reply ? std::move(*reply) : Message::error_reply(request_id, reply.error());
    out.set_request_id(request_id);
    send(id, std::move(out));
}

void Server::dispatch(ConnectionId id, Message request) {
    auto entry = std::ranges::find(kRoutes, request.op(), &RouteEntry::op);
    if (entry != std::end(kRoutes)) return (this->*(entry->route))(id, std::move(request));
    auto number = static_cast<std::uint16_t>(request.op());
    std::string what = protocol::known_op(number)
                           ? "unexpected request " + std::string(protocol::op_name(request.op()))
                           : "unknown op " + std::to_string(number);
    answer(id, request.request_id(), std::unexpected(make_error(Errc::protocol, what)));
}

void Server::handle_connection(ConnectionId id, std::uint32_t events) {
    auto it = connections_.find(id);
    if (it == connections_.end() || it->second.broken) return;
    Connection& connection = it->second;
    int fd = connection.socket.get();
    if (events & EPOLLOUT) {
        auto flushed = connection.writer.flush(fd);
        if (!flushed) return close_connection(id);
        if (*flushed) set_want_write(connection, false);
    }
    if (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR))) return;
    auto more = connection.reader.read_some(fd);
    if (!more || !*more) return close_connection(id);
    while (auto next = connection.reader.next()) {
        if (!*next) return close_connection(id); // a peer that breaks framing is dropped
        dispatch(id, std::move(**next));
        if (connection.broken) return;
    }
}

} // namespace

Status serve(ServerConfig config) {
    Server server(std::move(config));
    return server.run();
}

} // namespace soulbox::agent
