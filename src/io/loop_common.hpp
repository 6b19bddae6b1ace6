// What both event-loop backends share: the loop thread, the watch table, the posted-task queue
// with its eventfd wakeup, and the cancel-and-wait handshake. A backend only waits for kernel
// events and turns them into the deliver_*/finish calls below.
#pragma once

#include "core/unique_fd.hpp"
#include "io/event_loop.hpp"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

namespace soulbox::io::detail {

using WatchId = EventLoop::WatchId;

// Largest chunk handed to a DataHandler.
inline constexpr std::size_t max_chunk_size = 256 * 1024;

// One read_stream or watch_readable registration. Owned by the loop thread.
struct Watch {
    enum class Kind { stream, readable };

    WatchId id = 0;
    int fd = -1;
    Kind kind = Kind::stream;
    EventLoop::DataHandler on_data;
    EventLoop::CloseHandler on_close;
    EventLoop::ReadyHandler on_ready;

    bool paused = false;     // stream: on_data returned false, nothing is read until resume()
    bool finishing = false;  // stream: finish_stream() waits for the in-flight read to return
    bool done = false;       // ended, stopped or cancelled: no handler runs again
    bool in_handler = false; // one of its handlers is on the stack, so it must not be freed yet

    // Backend state. The watch stays in the table, buffer included, until the kernel holds
    // no request for it (io_uring reads complete asynchronously, even after a cancel).
    std::uint64_t request_in_flight = 0; // io_uring: user_data of its pending request, 0 if none
    bool armed = false;                  // epoll: in the interest set or the always-ready list
    std::unique_ptr<std::byte[]> buffer;
    std::size_t buffer_size = 0;
};

class LoopCore : public EventLoop {
public:
    WatchId read_stream(int fd, DataHandler on_data, CloseHandler on_close) final;
    WatchId watch_readable(int fd, ReadyHandler on_ready) final;
    void resume(WatchId id) final;
    void finish_stream(WatchId id) final;
    void cancel(WatchId id) final;
    void post(std::function<void()> fn) final;
    bool on_loop_thread() const final;

protected:
    LoopCore();
    ~LoopCore() override;

    // Starts the loop thread, which runs init_on_loop_thread() and reports its result here.
    Status start();
    // Runs everything posted so far, stops the thread and joins it. Derived destructors call it
    // first, because the thread uses the derived members. Never call it on the loop thread.
    void stop();

    // ---- implemented by a backend; all run on the loop thread ----
    virtual Status init_on_loop_thread() = 0;
    // Blocks until something happened (a wakeup counts) and dispatches it.
    virtual void wait_and_dispatch() = 0;
    // Start or continue reading/polling a watch that is neither done nor paused.
    virtual void arm(Watch& w) = 0;
    // Stop kernel-side interest: on pause, end and cancel.
    virtual void disarm(Watch& w) = 0;
    // Called after every watch is done; must wait until the kernel holds no request.
    virtual void shutdown_on_loop_thread() = 0;

    // ---- used by a backend (loop thread only) ----
    Watch* find(WatchId id);
    // Hands a chunk to on_data. Returns true if the stream should go on reading; false if it
    // paused or ended, and then `w` may already be freed.
    bool deliver_data(Watch& w, std::span<const std::byte> chunk);
    // Ends a stream with on_close(err). `w` may be freed afterwards.
    void finish(Watch& w, int err);
    // finish_stream() once no read is in flight: read until the pipe is empty, then finish.
    void drain_and_finish(Watch& w);
    // Calls on_ready. Returns true to keep watching; on false `w` may already be freed.
    bool deliver_ready(Watch& w);
    // Ends a watch whose fd cannot be watched, without calling a handler; `w` may be freed.
    void drop(Watch& w);
    // Frees a done watch once no handler is on the stack and the kernel holds no request.
    void retire_if_idle(Watch& w);
    // Ends a stream with on_close(err) from a later loop iteration, so that a failure found
    // while registering never calls back into the code that is registering.
    void finish_later(WatchId id, int err);
    // Written by post() from any thread to wake the loop; a backend waits on it.
    int wake_fd() const { return wake_fd_.get(); }
    // Reads the wake eventfd counter back to zero (epoll; io_uring reads it itself).
    void drain_wake_fd();

private:
    using Task = std::move_only_function<void()>;

    void thread_main(std::promise<Status> ready);
    WatchId add(std::unique_ptr<Watch> w);
    bool enqueue(Task task);
    void run_posted();
    void adopt_pending(WatchId id);
    void cancel_on_loop(WatchId id);
    void release_handlers(Watch& w);

    UniqueFd wake_fd_;
    std::thread thread_;
    std::atomic<WatchId> next_id_{1};
    bool running_ = true; // loop thread only

    std::unordered_map<WatchId, std::unique_ptr<Watch>> watches_; // loop thread only

    std::mutex queue_mutex_;
    std::vector<Task> tasks_;                                     // guarded by queue_mutex_
    std::unordered_map<WatchId, std::unique_ptr<Watch>> pending_; // registered off the loop
                                                                  // thread, not yet adopted
    bool accepting_ = true; // false once the thread has stopped; guarded by queue_mutex_
};

Result<std::unique_ptr<EventLoop>> make_uring_loop();
Result<std::unique_ptr<EventLoop>> make_epoll_loop();

} // namespace soulbox::io::detail
