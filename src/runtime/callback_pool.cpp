#include "runtime/callback_pool.hpp"

#include <chrono>

namespace soulbox {

namespace {

// An idle worker beyond the first ends after this long without work.
constexpr auto kIdleExit = std::chrono::seconds(10);

} // namespace

struct CallbackPool::Core : std::enable_shared_from_this<Core> {
    std::mutex mutex;
    std::condition_variable wake, exited;
    std::deque<std::shared_ptr<Strand>> runnable;
    std::size_t threads = 0, idle = 0;
    bool stopping = false;

    void schedule(std::shared_ptr<Strand> strand) {
        std::lock_guard lock(mutex);
        if (stopping) return;
        runnable.push_back(std::move(strand));
        // A strand never waits behind another's slow callback: no idle worker means a new one.
        if (idle == 0) {
            ++threads;
            std::thread([core = shared_from_this()] { core->work(); }).detach();
        } else {
            wake.notify_one();
        }
    }

    void work() {
        on_worker = this;
        std::unique_lock lock(mutex);
        for (;;) {
            ++idle;
            bool woke =
                wake.wait_for(lock, kIdleExit, [&] { return stopping || !runnable.empty(); });
            --idle;
            if (stopping || (!woke && threads > 1)) break;
            if (runnable.empty()) continue;
            auto strand = std::move(runnable.front());
            runnable.pop_front();
            lock.unlock();
            strand->run_queued();
            strand.reset(); // a strand's last owner may be its task: let go before relocking
            lock.lock();
        }
        --threads;
        exited.notify_all();
    }

    static thread_local const Core* on_worker;
};

thread_local const CallbackPool::Core* CallbackPool::Core::on_worker = nullptr;

CallbackPool::CallbackPool() : core_(std::make_shared<Core>()) {}

CallbackPool::~CallbackPool() {
    std::unique_lock lock(core_->mutex);
    core_->stopping = true;
    core_->runnable.clear();
    core_->wake.notify_all();
    const std::size_t self = Core::on_worker == core_.get() ? 1 : 0;
    core_->exited.wait(lock, [&] { return core_->threads == self; });
}

std::shared_ptr<CallbackPool::Strand> CallbackPool::make_strand() {
    return std::make_shared<Strand>(core_);
}

std::size_t CallbackPool::threads() const {
    std::lock_guard lock(core_->mutex);
    return core_->threads;
}

std::size_t CallbackPool::Strand::post(Task task, std::size_t bytes) {
    bool schedule_now = false;
    std::size_t queued;
    {
        std::lock_guard lock(mutex_);
        if (closed_) return 0;
        tasks_.emplace_back(std::move(task), bytes);
        queued_bytes_ += bytes;
        if (high_ && queued_bytes_ > high_) above_high_ = true;
        queued = queued_bytes_;
        if (!scheduled_) schedule_now = scheduled_ = true;
    }
    if (schedule_now) pool_->schedule(shared_from_this());
    return queued;
}

void CallbackPool::Strand::on_drained(std::size_t high, std::size_t low, std::function<void()> fn) {
    std::lock_guard lock(mutex_);
    high_ = high;
    low_ = low;
    drained_ = std::move(fn);
}

void CallbackPool::Strand::run_queued() {
    std::unique_lock lock(mutex_);
    running_ = true;
    runner_ = std::this_thread::get_id();
    while (!tasks_.empty() && !closed_) {
        auto [task, bytes] = std::move(tasks_.front());
        tasks_.pop_front();
        lock.unlock();
        task();
        task = nullptr; // captured state goes before the strand's lock is taken again
        lock.lock();
        queued_bytes_ -= bytes;
        if (above_high_ && queued_bytes_ <= low_ && drained_ && !closed_) {
            above_high_ = false;
            auto drained = drained_;
            lock.unlock();
            drained();
            lock.lock();
        }
    }
    running_ = false;
    runner_ = {};
    scheduled_ = false;
    idle_.notify_all();
}

void CallbackPool::Strand::close() {
    std::unique_lock lock(mutex_);
    closed_ = true;
    tasks_.clear();
    queued_bytes_ = 0;
    drained_ = nullptr;
    if (runner_ == std::this_thread::get_id()) return;
    idle_.wait(lock, [&] { return !running_; });
}

void CallbackPool::Strand::finish() {
    {
        std::unique_lock lock(mutex_);
        if (runner_ != std::this_thread::get_id())
            idle_.wait(lock, [&] { return tasks_.empty() && !running_; });
    }
    close();
}

bool CallbackPool::Strand::on_own_thread() const {
    std::lock_guard lock(mutex_);
    return runner_ == std::this_thread::get_id();
}

} // namespace soulbox
