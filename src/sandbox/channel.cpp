#include "sandbox/channel.hpp"

#include <chrono>
#include <fcntl.h>

namespace soulbox::sandbox {

using protocol::Field;
using protocol::Message;
using protocol::Op;

namespace {

// hello is the first request; an agent that does not answer it this fast is stuck.
constexpr int kHelloTimeoutMs = 10000;

} // namespace

Result<std::shared_ptr<Channel>> Channel::open(UniqueFd socket,
                                               std::shared_ptr<io::EventLoop> loop) {
    int flags = ::fcntl(socket.get(), F_GETFL);
    if (flags < 0 || ::fcntl(socket.get(), F_SETFL, flags | O_NONBLOCK) != 0)
        return std::unexpected(sys_error("set control socket non-blocking"));
    std::shared_ptr<Channel> channel(new Channel(std::move(socket), std::move(loop)));
    std::weak_ptr<Channel> weak = channel;
    channel->watch_ = channel->loop_->watch_readable(channel->socket_.get(), [weak] {
        auto self = weak.lock();
        return self && self->on_readable();
    });
    if (auto s = channel->exchange_hello(); !s) return std::unexpected(s.error());
    return channel;
}

Status Channel::exchange_hello() {
    Message hello(Op::hello, 0);
    hello.add_u64(Field::protocol_version, protocol::kProtocolVersion);
    auto reply = send_request(std::move(hello), kHelloTimeoutMs);
    if (!reply) {
        // Agents before protocol 1 refuse the op: with an error reply, or (0.1.0) by dropping
        // the connection, as their decoder treated an unknown op as a broken frame. The
        // connection was accepted, so the agent was there: an old agent, not a dead one.
        if (reply.error().code == Errc::protocol || reply.error().code == Errc::not_running)
            return {};
        return std::unexpected(reply.error().context("hello"));
    }
    auto version = reply->get_u64(Field::protocol_version);
    if (!version || *version == 0 || *version > UINT32_MAX)
        return std::unexpected(
            make_error(Errc::protocol, "the agent's hello reply carries no protocol version"));
    agent_version_ = static_cast<std::uint32_t>(*version);
    // A newer agent may list ops this library does not know; they are of no use to it.
    for (auto name : reply->get_all(Field::op_name))
        if (auto op = protocol::op_by_name(name)) agent_ops_.insert(*op);
    return {};
}

Channel::~Channel() {
    // After cancel returns no handler runs, so the socket can close under nobody's feet.
    loop_->cancel(watch_);
}

bool Channel::closed() const {
    std::lock_guard lock(mutex_);
    return closed_;
}

Result<Message> Channel::request(Message message, int timeout_ms) {
    // A closed channel says so (send_request) rather than blame the op.
    if (!supports(message.op()) && !closed())
        return std::unexpected(
            make_error(Errc::unsupported, "the sandbox's agent (protocol " +
                                              std::to_string(agent_version_) + ") does not serve " +
                                              std::string(protocol::op_name(message.op()))));
    return send_request(std::move(message), timeout_ms);
}

Result<Message> Channel::send_request(Message message, int timeout_ms) {
    if (loop_->on_loop_thread())
        return std::unexpected(make_error(Errc::invalid_argument,
                                          "blocking SoulBox calls cannot be made from a callback"));
    Pending pending;
    std::uint32_t id;
    {
        std::lock_guard lock(mutex_);
        if (closed_) return std::unexpected(make_error(Errc::not_running, "sandbox has ended"));
        id = next_id_++;
        pending_[id] = &pending;
    }
    message.set_request_id(id);
    Status sent;
    {
        // Frames must not interleave; the wait for the reply below must not hold this, or one
        // slow request (a large remove) would hold up every other caller of this sandbox.
        std::lock_guard send_lock(send_mutex_);
        sent = protocol::send_message(socket_.get(), std::move(message));
    }
    std::unique_lock lock(mutex_);
    if (!sent) {
        pending_.erase(id);
        // The agent went away before the loop thread read its end (a call right after kill()):
        // the same as a closed channel, so the same error.
        if (sent.error().code == Errc::not_running)
            return std::unexpected(make_error(Errc::not_running, "sandbox has ended"));
        return std::unexpected(sent.error());
    }
    bool done = replied_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                                  [&] { return pending.reply.has_value(); });
    pending_.erase(id);
    if (!done) return std::unexpected(make_error(Errc::timeout, "sandbox agent did not answer"));
    return std::move(*pending.reply);
}

std::uint64_t Channel::set_exit_handler(int pid, ExitHandler handler,
                                        std::function<void()> on_superseded) {
    std::optional<Message> early;
    std::uint64_t token;
    {
        std::lock_guard lock(mutex_);
        token = next_token_++;
        auto it = early_exits_.find(pid);
        if (it != early_exits_.end()) {
            early = std::move(it->second);
            early_exits_.erase(it);
        } else if (closed_) {
            early = Message(Op::exit_event, 0);
        } else {
            exit_handlers_[pid] = {token, std::move(handler), std::move(on_superseded)};
            return token;
        }
    }
    handler(*early);
    return token;
}

bool Channel::clear_exit_handler(int pid, std::uint64_t token) {
    std::lock_guard lock(mutex_);
    auto it = exit_handlers_.find(pid);
    if (it == exit_handlers_.end() || it->second.token != token) return false;
    exit_handlers_.erase(it);
    early_exits_.erase(pid);
    return true;
}

void Channel::supersede(int pid) {
    std::function<void()> on_superseded;
    {
        std::lock_guard lock(mutex_);
        auto it = exit_handlers_.find(pid);
        if (it == exit_handlers_.end()) return;
        on_superseded = std::move(it->second.on_superseded);
        exit_handlers_.erase(it);
    }
    if (on_superseded) on_superseded();
}

void Channel::set_event_handler(Op op, EventHandler handler) {
    std::lock_guard lock(mutex_);
    event_handlers_[op] = std::move(handler);
}

void Channel::fail_all(const Error& error) {
    std::map<int, ExitSubscription> handlers;
    {
        std::lock_guard lock(mutex_);
        closed_ = true;
        for (auto& [id, pending] : pending_)
            if (!pending->reply) pending->reply = Result<Message>(std::unexpected(error));
        handlers.swap(exit_handlers_);
    }
    replied_.notify_all();
    Message gone(Op::exit_event, 0);
    for (auto& [pid, subscription] : handlers)
        subscription.on_exit(gone);
}

bool Channel::on_readable() {
    auto more = reader_.read_some(socket_.get());
    if (!more || !*more) {
        fail_all(make_error(Errc::not_running, "sandbox has ended"));
        return false;
    }
    while (auto next = reader_.next()) {
        if (!*next) {
            fail_all(next->error());
            return false;
        }
        Message message = std::move(**next);
        if (message.op() == Op::exit_event) {
            int pid = static_cast<int>(message.get_u64(protocol::Field::pid).value_or(0));
            ExitHandler handler;
            {
                std::lock_guard lock(mutex_);
                auto it = exit_handlers_.find(pid);
                if (it == exit_handlers_.end()) {
                    early_exits_.emplace(pid, std::move(message));
                    continue;
                }
                handler = std::move(it->second.on_exit);
                exit_handlers_.erase(it);
            }
            handler(message);
            continue;
        }
        if (message.op() != Op::reply) {
            EventHandler handler;
            {
                std::lock_guard lock(mutex_);
                auto it = event_handlers_.find(message.op());
                if (it != event_handlers_.end()) handler = it->second;
            }
            if (handler) handler(message);
            continue;
        }
        std::lock_guard lock(mutex_);
        auto it = pending_.find(message.request_id());
        if (it == pending_.end()) continue; // the caller gave up waiting
        if (auto error = message.error())
            it->second->reply = Result<Message>(std::unexpected(*error));
        else
            it->second->reply = std::move(message);
        replied_.notify_all();
    }
    return true;
}

} // namespace soulbox::sandbox
