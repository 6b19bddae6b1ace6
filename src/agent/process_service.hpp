// The process ops (docs/protocol.md): starting user processes and handing their pipes or
// terminal to the host, signals, terminal sizes, stdin, the process list, command timeouts,
// reaping every child (orphans included) and draining the output of processes nobody follows.
// Runs on the agent's event loop; its own descriptors (SIGCHLD, the deadline timer, drained
// pipes) sit behind one epoll descriptor that the loop watches.
#pragma once

#include "agent/connection_id.hpp"
#include "agent/process_table.hpp"
#include "protocol/message.hpp"

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <sys/types.h>
#include <vector>

namespace soulbox::agent {

class ProcessService {
public:
    using EventSink = std::function<void(ConnectionId connection, protocol::Message event)>;
    struct Settings {
        std::vector<std::string> sandbox_env; // "KEY=VALUE" from Sandbox.create(envs=...)
        uid_t user_uid = 1000;
        gid_t user_gid = 1000;
        bool rootless = false;
    };

    // Blocks SIGCHLD in the calling thread: it is read from a signalfd.
    static Result<std::unique_ptr<ProcessService>> create(Settings settings, EventSink send_event);
    ProcessService(const ProcessService&) = delete;
    ProcessService& operator=(const ProcessService&) = delete;

    int fd() const { return poll_.get(); }
    // fd() is readable: reap, expire deadlines, drain.
    void on_readable();

    // One call per op; the reply's request id is the caller's. spawn and attach make
    // `connection` the process's subscriber: it gets the exit event, after this reply.
    Result<protocol::Message> spawn(ConnectionId connection, const protocol::Message& request);
    Result<protocol::Message> attach(ConnectionId connection, const protocol::Message& request);
    Result<protocol::Message> detach(ConnectionId connection, const protocol::Message& request);
    Result<protocol::Message> list(ConnectionId connection, const protocol::Message& request);
    Result<protocol::Message> signal(ConnectionId connection, const protocol::Message& request);
    Result<protocol::Message> resize(ConnectionId connection, const protocol::Message& request);
    Result<protocol::Message> stdin_fd(ConnectionId connection, const protocol::Message& request);
    Result<protocol::Message> close_stdin(ConnectionId connection,
                                          const protocol::Message& request);
    // The connection closed: the agent drains what it followed.
    void connection_closed(ConnectionId connection);

private:
    ProcessService(Settings settings, EventSink send_event)
        : settings_(std::move(settings)), send_event_(std::move(send_event)) {}
    Result<Process*> find(const protocol::Message& request);
    protocol::Message process_reply(const Process& process) const;
    std::vector<std::string> build_env(const std::vector<std::string_view>& extra,
                                       bool as_root) const;
    void reap_children();
    void expire_processes();
    void rearm_deadline_timer();
    void start_draining(Process& process);
    void stop_draining(Process& process);
    void drain(int fd);

    Settings settings_;
    EventSink send_event_;
    UniqueFd poll_, sigchld_, deadline_timer_;
    ProcessTable table_;
    std::map<int, pid_t> draining_; // output fd -> process, while nobody follows it
};

} // namespace soulbox::agent
