// An event loop: one thread, io_uring when the kernel allows it, epoll otherwise. Each Runtime
// owns one (src/runtime). Handlers run on the loop thread.
#pragma once

#include "soulbox/error.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string_view>

namespace soulbox::io {

enum class Backend { io_uring, epoll };

class EventLoop {
public:
    using WatchId = std::uint64_t;
    // Called with each chunk read from a stream. Return false to pause the stream: no further
    // reads until resume(); this is how slow consumers apply back-pressure (the pipe fills and
    // the writer blocks, host memory stays bounded).
    using DataHandler = std::function<bool(std::span<const std::byte> chunk)>;
    // Called once when a stream ends: err == 0 for end of file, else the errno of the failed read.
    using CloseHandler = std::function<void(int err)>;
    // Called when an fd is readable (for sockets the caller reads itself, e.g. recvmsg with fds).
    // Return false to stop watching.
    using ReadyHandler = std::function<bool()>;

    // Stops the loop thread; watches still live end without a handler call. Must not run on
    // the loop thread itself.
    virtual ~EventLoop() = default;

    // Create a loop and start its thread. io_uring is tried first unless `preferred` is epoll.
    static Result<std::unique_ptr<EventLoop>> create(Backend preferred = Backend::io_uring);

    virtual Backend backend() const = 0;

    // Read `fd` until EOF, delivering chunks (up to 256 KiB) to on_data. The loop does not own fd:
    // the caller closes it after on_close or after cancel() has returned. The epoll backend sets
    // O_NONBLOCK on fd. A chunk is only valid during the on_data call.
    virtual WatchId read_stream(int fd, DataHandler on_data, CloseHandler on_close) = 0;
    virtual void resume(WatchId id) = 0;
    // End a stream early: deliver what can be read now without waiting, then on_close(0).
    // For a process that has exited: its output is complete in the pipe, though a background
    // child may hold the pipe open forever. Safe from any thread; a no-op for ended streams.
    virtual void finish_stream(WatchId id) = 0;
    // Watch an fd for readability (level triggered).
    virtual WatchId watch_readable(int fd, ReadyHandler on_ready) = 0;
    // Stop a stream or watch. Safe from any thread, also from inside a handler; when it returns
    // (called off the loop thread), no handler of that watch is running or will run.
    virtual void cancel(WatchId id) = 0;
    // Run fn on the loop thread soon; tasks run in the order they were posted. Handlers and
    // tasks must not throw.
    virtual void post(std::function<void()> fn) = 0;
    virtual bool on_loop_thread() const = 0;
};

} // namespace soulbox::io
