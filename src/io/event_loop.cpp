// Backend choice, the process-wide loop, and the backend-independent half of every loop
// (see loop_common.hpp).
#include "io/event_loop.hpp"
#include "io/loop_common.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <pthread.h>
#include <string_view>
#include <sys/eventfd.h>
#include <system_error>
#include <unistd.h>

namespace soulbox::io {

Result<std::unique_ptr<EventLoop>> EventLoop::create(Backend preferred) {
    if (preferred == Backend::io_uring) {
        // io_uring may be compiled out, disabled by sysctl or blocked by seccomp: fall back.
        if (auto loop = detail::make_uring_loop()) return loop;
    }
    return detail::make_epoll_loop();
}

namespace detail {

namespace {
// The loop whose thread this is, for on_loop_thread().
thread_local const LoopCore* current_loop = nullptr;
} // namespace

LoopCore::LoopCore() : wake_fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}

LoopCore::~LoopCore() = default;

Status LoopCore::start() {
    if (!wake_fd_) return std::unexpected(sys_error("eventfd"));
    std::promise<Status> ready;
    std::future<Status> started = ready.get_future();
    try {
        thread_ = std::thread(
            [this, ready = std::move(ready)]() mutable { thread_main(std::move(ready)); });
    } catch (const std::system_error& e) {
        return std::unexpected(sys_error("start event loop thread", e.code().value()));
    }
    Status status = started.get();
    if (!status) thread_.join();
    return status;
}

void LoopCore::stop() {
    if (!thread_.joinable()) return;
    enqueue([this] { running_ = false; });
    thread_.join();
}

void LoopCore::thread_main(std::promise<Status> ready) {
    // Signals belong to the application's threads (and signalfd users need them blocked here).
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, nullptr);
    pthread_setname_np(pthread_self(), "soulbox-io");
    current_loop = this;

    Status status = init_on_loop_thread();
    bool ok = status.has_value();
    ready.set_value(std::move(status));
    if (!ok) return;

    while (running_) {
        wait_and_dispatch();
        run_posted();
    }
    {
        std::lock_guard lock(queue_mutex_);
        accepting_ = false;
    }
    run_posted(); // what was posted before we stopped accepting, e.g. cancel() handshakes
    std::vector<WatchId> live;
    for (auto& [id, w] : watches_)
        if (!w->done) live.push_back(id);
    for (WatchId id : live)
        cancel_on_loop(id);
    shutdown_on_loop_thread();
    watches_.clear();
    current_loop = nullptr;
}

bool LoopCore::on_loop_thread() const {
    return current_loop == this;
}

// ---- the posted-task queue ----

bool LoopCore::enqueue(Task task) {
    bool was_empty;
    {
        std::lock_guard lock(queue_mutex_);
        if (!accepting_) return false;
        was_empty = tasks_.empty();
        tasks_.push_back(std::move(task));
    }
    // One wakeup per batch: while tasks are queued the loop has a wakeup pending already.
    if (was_empty) {
        std::uint64_t one = 1;
        [[maybe_unused]] ssize_t n = ::write(wake_fd_.get(), &one, sizeof one);
    }
    return true;
}

void LoopCore::run_posted() {
    std::vector<Task> batch;
    {
        std::lock_guard lock(queue_mutex_);
        batch.swap(tasks_);
    }
    for (Task& task : batch) {
        task();
        task = nullptr; // free what it captured now, not after the whole batch
    }
}

void LoopCore::drain_wake_fd() {
    std::uint64_t count;
    [[maybe_unused]] ssize_t n = ::read(wake_fd_.get(), &count, sizeof count);
}

void LoopCore::post(std::function<void()> fn) {
    enqueue(std::move(fn));
}

// ---- registration ----

WatchId LoopCore::read_stream(int fd, DataHandler on_data, CloseHandler on_close) {
    auto w = std::make_unique<Watch>();
    w->fd = fd;
    w->kind = Watch::Kind::stream;
    w->on_data = std::move(on_data);
    w->on_close = std::move(on_close);
    return add(std::move(w));
}

WatchId LoopCore::watch_readable(int fd, ReadyHandler on_ready) {
    auto w = std::make_unique<Watch>();
    w->fd = fd;
    w->kind = Watch::Kind::readable;
    w->on_ready = std::move(on_ready);
    return add(std::move(w));
}

WatchId LoopCore::add(std::unique_ptr<Watch> w) {
    WatchId id = next_id_.fetch_add(1, std::memory_order_relaxed);
    w->id = id;
    if (on_loop_thread()) {
        Watch& added = *watches_.emplace(id, std::move(w)).first->second;
        arm(added);
        return id;
    }
    // Parked in pending_ rather than inside the task, so that a cancel() on the loop thread
    // that overtakes the task can still find and drop it.
    {
        std::lock_guard lock(queue_mutex_);
        pending_.emplace(id, std::move(w));
    }
    if (!enqueue([this, id] { adopt_pending(id); })) {
        std::lock_guard lock(queue_mutex_);
        pending_.erase(id); // the loop has stopped: the watch never starts
    }
    return id;
}

void LoopCore::adopt_pending(WatchId id) {
    std::unique_ptr<Watch> w;
    {
        std::lock_guard lock(queue_mutex_);
        auto it = pending_.find(id);
        if (it == pending_.end()) return; // cancelled before it started
        w = std::move(it->second);
        pending_.erase(it);
    }
    Watch& added = *watches_.emplace(id, std::move(w)).first->second;
    arm(added);
}

Watch* LoopCore::find(WatchId id) {
    auto it = watches_.find(id);
    return it == watches_.end() ? nullptr : it->second.get();
}

// ---- resume and cancel ----

void LoopCore::resume(WatchId id) {
    if (!on_loop_thread()) {
        enqueue([this, id] { resume(id); });
        return;
    }
    Watch* w = find(id);
    if (!w || w->done || !w->paused) return;
    w->paused = false;
    arm(*w);
}

void LoopCore::finish_stream(WatchId id) {
    if (!on_loop_thread()) {
        enqueue([this, id] { finish_stream(id); });
        return;
    }
    Watch* w = find(id);
    if (!w) { // registered from another thread and not adopted yet
        adopt_pending(id);
        w = find(id);
    }
    if (!w || w->done || w->kind != Watch::Kind::stream || w->finishing) return;
    w->finishing = true;
    if (w->request_in_flight != 0) {
        disarm(*w); // its completion (data or -ECANCELED) continues in drain_and_finish
        return;
    }
    drain_and_finish(*w);
}

void LoopCore::drain_and_finish(Watch& w) {
    disarm(w);
    int flags = ::fcntl(w.fd, F_GETFL);
    if (flags >= 0 && !(flags & O_NONBLOCK)) ::fcntl(w.fd, F_SETFL, flags | O_NONBLOCK);
    std::byte chunk[64 * 1024];
    for (;;) {
        ssize_t n = ::read(w.fd, chunk, sizeof chunk);
        if (n > 0) {
            w.paused = false; // the stream ends now; a pause no longer applies
            if (!deliver_data(w, std::span<const std::byte>(chunk, static_cast<std::size_t>(n))))
                if (w.done || !w.paused) return;
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        break; // EOF, EAGAIN (nothing more for now) or an error: the stream ends either way
    }
    finish(w, 0);
}

void LoopCore::cancel(WatchId id) {
    if (on_loop_thread()) {
        cancel_on_loop(id);
        return;
    }
    // Handlers only run on the loop thread, so once the loop has run this task no handler of
    // `id` is running, and cancel_on_loop() made sure none will run again.
    // Shared, so the promise outlives set_value() even when the waiter returns at once.
    auto acknowledged = std::make_shared<std::promise<void>>();
    std::future<void> done = acknowledged->get_future();
    bool queued = enqueue([this, id, acknowledged] {
        cancel_on_loop(id);
        acknowledged->set_value();
    });
    if (queued) done.wait(); // if not queued the loop has stopped and runs no handler
}

void LoopCore::cancel_on_loop(WatchId id) {
    Watch* w = find(id);
    if (!w) {
        std::unique_ptr<Watch> not_started;
        std::lock_guard lock(queue_mutex_);
        if (auto it = pending_.find(id); it != pending_.end()) {
            not_started = std::move(it->second);
            pending_.erase(it);
        }
        return; // unknown or already retired: nothing to do
    }
    if (w->done) return;
    w->done = true;
    disarm(*w);
    // Inside its own handler the handler objects are still executing: the dispatcher
    // releases them when the handler returns.
    if (!w->in_handler) {
        release_handlers(*w);
        retire_if_idle(*w);
    }
}

// ---- dispatch helpers for the backends ----

bool LoopCore::deliver_data(Watch& w, std::span<const std::byte> chunk) {
    w.in_handler = true;
    bool more = w.on_data(chunk);
    w.in_handler = false;
    if (w.done) { // cancelled from inside the handler
        release_handlers(w);
        retire_if_idle(w);
        return false;
    }
    if (!more) {
        w.paused = true;
        disarm(w);
    }
    return more;
}

void LoopCore::finish(Watch& w, int err) {
    w.done = true;
    disarm(w);
    CloseHandler on_close = std::move(w.on_close);
    release_handlers(w);
    w.in_handler = true;
    if (on_close) on_close(err);
    w.in_handler = false;
    retire_if_idle(w);
}

bool LoopCore::deliver_ready(Watch& w) {
    w.in_handler = true;
    bool more = w.on_ready();
    w.in_handler = false;
    if (w.done) {
        release_handlers(w);
        retire_if_idle(w);
        return false;
    }
    if (!more) {
        drop(w);
        return false;
    }
    return true;
}

void LoopCore::drop(Watch& w) {
    w.done = true;
    disarm(w);
    release_handlers(w);
    retire_if_idle(w);
}

void LoopCore::release_handlers(Watch& w) {
    // Destroyed here, on the loop thread, so a canceller may free what they captured as soon
    // as cancel() returns.
    w.on_data = nullptr;
    w.on_close = nullptr;
    w.on_ready = nullptr;
}

void LoopCore::retire_if_idle(Watch& w) {
    if (w.done && !w.in_handler && w.request_in_flight == 0) watches_.erase(w.id);
}

void LoopCore::finish_later(WatchId id, int err) {
    enqueue([this, id, err] {
        if (Watch* w = find(id); w && !w->done) finish(*w, err);
    });
}

} // namespace detail
} // namespace soulbox::io
