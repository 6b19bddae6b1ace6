// Where user callbacks run: never on the event loop. Each process handle with callbacks gets a
// Strand, which runs its tasks one at a time and in order on a pool of worker threads; a strand
// with work takes an idle worker or, when every worker is busy (a callback that blocks), a new
// one. So a slow callback holds up its own handle's output and nothing else: other handles keep
// their order and speed, and the loop keeps reading (docs/design.md, "Callbacks").
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

namespace soulbox {

class CallbackPool {
public:
    class Strand;
    CallbackPool();
    // Waits for running callbacks (but for one running the destructor itself); queued tasks
    // are dropped.
    ~CallbackPool();
    CallbackPool(const CallbackPool&) = delete;
    CallbackPool& operator=(const CallbackPool&) = delete;

    std::shared_ptr<Strand> make_strand();
    // Worker threads alive now (for tests and benchmarks).
    std::size_t threads() const;

private:
    // What workers and strands share; they keep it alive, so the pool may be destroyed from
    // inside a callback.
    struct Core;
    std::shared_ptr<Core> core_;
};

class CallbackPool::Strand : public std::enable_shared_from_this<Strand> {
public:
    using Task = std::function<void()>;
    explicit Strand(std::shared_ptr<CallbackPool::Core> pool) : pool_(std::move(pool)) {}

    // Queues a task carrying `bytes` of output. Returns the bytes now queued, so the caller can
    // pause its stream when a consumer falls behind.
    std::size_t post(Task task, std::size_t bytes = 0);
    // Called on a worker each time the queue drops from above `high` to `low` bytes or less.
    void on_drained(std::size_t high, std::size_t low, std::function<void()> fn);
    // Drops queued tasks and refuses new ones; returns once no task of this strand runs, except
    // when called from one of its own tasks (that task finishes after close returns).
    void close();
    // Lets the queued tasks run, then closes (for a source that has stopped producing).
    void finish();
    bool on_own_thread() const;

private:
    friend struct CallbackPool::Core;
    void run_queued(); // on a worker

    std::shared_ptr<CallbackPool::Core> pool_;
    mutable std::mutex mutex_;
    std::condition_variable idle_;
    std::deque<std::pair<Task, std::size_t>> tasks_;
    std::size_t queued_bytes_ = 0;
    std::size_t high_ = 0, low_ = 0;
    bool above_high_ = false;
    std::function<void()> drained_;
    bool scheduled_ = false, running_ = false, closed_ = false;
    std::thread::id runner_;
};

} // namespace soulbox
