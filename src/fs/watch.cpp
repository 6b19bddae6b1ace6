// Directory watches, host side. The agent sends fs_event frames on the control channel; one
// channel-wide handler routes them by watch id to the WatchHandle's queue and callback.
#include "fs/fs_internal.hpp"
#include "io/event_loop.hpp"
#include "sandbox/sandbox_state.hpp"

#include <deque>
#include <map>
#include <mutex>

namespace soulbox {

using protocol::Field;
using protocol::Message;
using protocol::Op;

namespace {

constexpr std::size_t kMaxQueuedEvents = 1u << 16; // per handle, for get_new_events()
constexpr std::size_t kMaxEarlyEvents = 1024;      // per watch, before its handle is registered

} // namespace

struct WatchHandle::State : std::enable_shared_from_this<WatchHandle::State> {
    std::shared_ptr<sandbox::Channel> channel; // keeps the channel (and its address) alive
    FileOptions options;
    std::uint64_t watch_id = 0;
    EventCallback callback;
    // Where `callback` runs, in event order and off the event loop (null without a callback).
    std::shared_ptr<CallbackPool::Strand> callbacks;

    std::mutex mutex;
    std::vector<FilesystemEvent> queue;
    bool stopped = false;

    ~State() {
        if (callbacks) callbacks->close();
    }

    void deliver(const FilesystemEvent& event) {
        {
            std::lock_guard lock(mutex);
            if (stopped) return;
            if (queue.size() < kMaxQueuedEvents) queue.push_back(event);
        }
        if (callbacks)
            callbacks->post([weak = weak_from_this(), event] {
                if (auto held = weak.lock()) held->callback(event);
            });
    }
};

namespace {

// Events for (channel, watch id). An event can arrive before watch_dir() has registered the
// handle (the agent starts watching before its reply is read); those wait in `early`.
class WatchRegistry {
public:
    using Key = std::pair<const sandbox::Channel*, std::uint64_t>;

    void add(const std::shared_ptr<WatchHandle::State>& state) {
        std::vector<FilesystemEvent> early;
        Key key{state->channel.get(), state->watch_id};
        {
            std::lock_guard lock(mutex_);
            handles_[key] = state;
            auto it = early_.find(key);
            if (it != early_.end()) {
                early.assign(it->second.begin(), it->second.end());
                early_.erase(it);
            }
        }
        for (const auto& event : early)
            state->deliver(event);
    }

    void remove(const WatchHandle::State& state) {
        std::lock_guard lock(mutex_);
        Key key{state.channel.get(), state.watch_id};
        handles_.erase(key);
        early_.erase(key);
    }

    void route(const sandbox::Channel* channel, const Message& message) {
        auto id = message.get_u64(Field::watch_id);
        auto type = message.get_u64(Field::event_type);
        if (!id || !type || *type > static_cast<std::uint64_t>(FilesystemEventType::chmod)) return;
        FilesystemEvent event{std::string(message.get(Field::name).value_or("")),
                              static_cast<FilesystemEventType>(*type)};
        std::shared_ptr<WatchHandle::State> state;
        {
            std::lock_guard lock(mutex_);
            Key key{channel, *id};
            auto it = handles_.find(key);
            if (it == handles_.end()) {
                auto& early = early_[key];
                if (early.size() < kMaxEarlyEvents) early.push_back(std::move(event));
                return;
            }
            state = it->second.lock();
        }
        if (state) state->deliver(event);
    }

private:
    std::mutex mutex_;
    std::map<Key, std::weak_ptr<WatchHandle::State>> handles_;
    std::map<Key, std::deque<FilesystemEvent>> early_;
};

WatchRegistry& registry() {
    static WatchRegistry* instance =
        new WatchRegistry; // never destroyed: the loop may outlive statics
    return *instance;
}

} // namespace

WatchHandle::WatchHandle(std::shared_ptr<State> state) : state_(std::move(state)) {}
WatchHandle::WatchHandle(WatchHandle&&) noexcept = default;

WatchHandle& WatchHandle::operator=(WatchHandle&& other) noexcept {
    if (this != &other) {
        (void)stop();
        state_ = std::move(other.state_);
    }
    return *this;
}

WatchHandle::~WatchHandle() {
    (void)stop();
}

std::vector<FilesystemEvent> WatchHandle::get_new_events() {
    if (!state_) return {};
    std::lock_guard lock(state_->mutex);
    return std::exchange(state_->queue, {});
}

Status WatchHandle::stop() {
    if (!state_) return {};
    {
        std::lock_guard lock(state_->mutex);
        if (state_->stopped) return {};
    }
    // Unwatch first: events sent before the agent's reply are still delivered, none after.
    Message request = fs::file_request(Op::fs_unwatch, "/", state_->options);
    request.add_u64(Field::watch_id, state_->watch_id);
    auto reply = state_->channel->request(std::move(request));
    registry().remove(*state_);
    {
        std::lock_guard lock(state_->mutex);
        state_->stopped = true;
    }
    // The events that came before the unwatch reply reach the callback before stop() returns.
    if (state_->callbacks) state_->callbacks->finish();
    // A sandbox that has ended has no watches left to stop.
    if (!reply && reply.error().code != Errc::not_running) return std::unexpected(reply.error());
    return {};
}

Result<WatchHandle> Filesystem::watch_dir(std::string_view path, bool recursive,
                                          EventCallback on_event, const FileOptions& options) {
    if (auto s = fs::check_request(path, options); !s) return std::unexpected(s.error());
    auto state = sandbox_->state_;
    if (!state || !state->channel)
        return std::unexpected(make_error(Errc::not_running, "sandbox is not connected"));
    auto channel = state->channel;
    const sandbox::Channel* key = channel.get();
    channel->set_event_handler(Op::fs_event,
                               [key](const Message& event) { registry().route(key, event); });
    Message request = fs::file_request(Op::fs_watch, path, options);
    request.add_u64(Field::recursive, recursive ? 1 : 0);
    auto reply = fs::call(channel, std::move(request));
    if (!reply) return std::unexpected(reply.error());
    auto id = reply->get_u64(Field::watch_id);
    if (!id) return std::unexpected(make_error(Errc::protocol, "watch reply has no watch id"));
    auto watch = std::make_shared<WatchHandle::State>();
    watch->channel = channel;
    watch->options = options;
    watch->watch_id = *id;
    watch->callback = std::move(on_event);
    if (watch->callback) watch->callbacks = state->runtime->callbacks().make_strand();
    registry().add(watch);
    return WatchHandle(std::move(watch));
}

} // namespace soulbox
