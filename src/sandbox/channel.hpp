// The host's connection to one sandbox agent. Requests may come from any thread and block until
// their reply; replies and exit events are read on the library's event-loop thread. Every
// channel starts with `hello` (docs/protocol.md), so it knows the agent's protocol version and
// the ops it serves.
#pragma once

#include "core/unique_fd.hpp"
#include "io/event_loop.hpp"
#include "protocol/message.hpp"

#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>

namespace soulbox::sandbox {

class Channel : public std::enable_shared_from_this<Channel> {
public:
    using ExitHandler = std::function<void(const protocol::Message& event)>;

    // Takes a connected socket, starts reading it on `loop` (kept alive by the channel) and
    // exchanges `hello` (blocking: not on the loop thread). An agent from before `hello` (it
    // answers with an error reply, or closes the connection as release 0.1.0's agent does on an op
    // it does not know) gives a channel with agent_protocol_version() 0; what to do with it is the
    // caller's choice.
    static Result<std::shared_ptr<Channel>> open(UniqueFd socket,
                                                 std::shared_ptr<io::EventLoop> loop);
    ~Channel();
    Channel(const Channel&) = delete;
    Channel& operator=(const Channel&) = delete;

    // The agent's protocol version from its hello reply; 0 for an agent older than hello.
    std::uint32_t agent_protocol_version() const { return agent_version_; }
    // Whether the agent listed `op` among the ops it serves (never, for protocol 0).
    bool supports(protocol::Op op) const { return agent_ops_.contains(op); }

    // Send a request and wait for its reply (an error reply becomes an Error). An op the agent
    // did not list in its hello reply fails with Errc::unsupported without being sent.
    Result<protocol::Message> request(protocol::Message message, int timeout_ms = 30000);

    // Exit events for `pid` go to `handler` (on the loop thread). An event that arrived before
    // the handler was set is delivered at once. If the agent goes away, handlers get an
    // event without exit fields. The returned token names this subscription.
    std::uint64_t set_exit_handler(int pid, ExitHandler handler,
                                   std::function<void()> on_superseded);
    // Removes the subscription if `token` still names it; false when it was superseded.
    bool clear_exit_handler(int pid, std::uint64_t token);
    // The agent streams a process to one subscriber per connection: a handle connecting to a
    // pid takes it over. The current subscriber (if any) is removed and told, before the new
    // handle starts reading, so no output is split between the two.
    void supersede(int pid);

    // Frames of `op` that are neither replies nor exit events (fs_event) go to `handler` on the
    // loop thread; one handler per op, replacing any earlier one. Frames with no handler are
    // dropped.
    using EventHandler = std::function<void(const protocol::Message& event)>;
    void set_event_handler(protocol::Op op, EventHandler handler);

    bool closed() const;

private:
    Channel(UniqueFd socket, std::shared_ptr<io::EventLoop> loop)
        : loop_(std::move(loop)), socket_(std::move(socket)) {}
    Status exchange_hello();
    Result<protocol::Message> send_request(protocol::Message message, int timeout_ms);
    bool on_readable(); // loop thread
    void fail_all(const Error& error);

    struct Pending {
        std::optional<Result<protocol::Message>> reply;
    };

    std::shared_ptr<io::EventLoop> loop_; // declared first: destroyed after the watch is gone
    UniqueFd socket_;
    // Set by exchange_hello() before open() returns, read-only afterwards.
    std::uint32_t agent_version_ = 0;
    std::set<protocol::Op> agent_ops_;
    io::EventLoop::WatchId watch_ = 0;
    protocol::Reader reader_; // loop thread only
    mutable std::mutex mutex_;
    std::condition_variable replied_;
    std::mutex send_mutex_;
    std::uint32_t next_id_ = 1;
    std::map<std::uint32_t, Pending*> pending_;
    struct ExitSubscription {
        std::uint64_t token;
        ExitHandler on_exit;
        std::function<void()> on_superseded;
    };
    std::uint64_t next_token_ = 1;
    std::map<int, ExitSubscription> exit_handlers_;
    std::map<int, protocol::Message> early_exits_;
    std::map<protocol::Op, EventHandler> event_handlers_;
    bool closed_ = false;
};

} // namespace soulbox::sandbox
