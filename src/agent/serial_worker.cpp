#include "agent/serial_worker.hpp"

#include <condition_variable>
#include <csignal>
#include <cstdint>
#include <deque>
#include <mutex>
#include <pthread.h>
#include <sys/eventfd.h>
#include <unistd.h>

namespace soulbox::agent {

struct SerialWorker::Shared {
    std::mutex mutex;
    std::condition_variable posted;
    std::deque<Job> jobs;
    std::deque<Finish> finished;
    bool stopping = false;
    UniqueFd finished_event;
};

Result<std::unique_ptr<SerialWorker>> SerialWorker::start() {
    auto shared = std::make_shared<Shared>();
    shared->finished_event.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    if (!shared->finished_event) return std::unexpected(sys_error("eventfd for the file worker"));
    return std::unique_ptr<SerialWorker>(new SerialWorker(std::move(shared)));
}

bool SerialWorker::start_thread() {
    // A new thread inherits the creator's signal mask: block everything around its creation.
    sigset_t all, old;
    sigfillset(&all);
    ::pthread_sigmask(SIG_SETMASK, &all, &old);
    auto owned = new std::shared_ptr<Shared>(shared_);
    pthread_t thread;
    int rc = ::pthread_create(&thread, nullptr, &SerialWorker::thread_main, owned);
    ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
    if (rc != 0) {
        delete owned;
        return false;
    }
    ::pthread_detach(thread);
    thread_started_ = true;
    return true;
}

SerialWorker::~SerialWorker() {
    {
        std::lock_guard lock(shared_->mutex);
        shared_->stopping = true;
    }
    shared_->posted.notify_one();
}

void* SerialWorker::thread_main(void* arg) {
    std::shared_ptr<Shared> shared = std::move(*static_cast<std::shared_ptr<Shared>*>(arg));
    delete static_cast<std::shared_ptr<Shared>*>(arg);
    std::unique_lock lock(shared->mutex);
    for (;;) {
        shared->posted.wait(lock, [&] { return shared->stopping || !shared->jobs.empty(); });
        if (shared->stopping) return nullptr;
        Job job = std::move(shared->jobs.front());
        shared->jobs.pop_front();
        lock.unlock();
        Finish finish = job();
        job = nullptr; // what the job held (request fds) goes now, not with the next job
        lock.lock();
        if (!finish) continue;
        shared->finished.push_back(std::move(finish));
        std::uint64_t one = 1;
        (void)!::write(shared->finished_event.get(), &one, sizeof one);
    }
}

void SerialWorker::post(Job job) {
    // The thread starts with the first job: most sandboxes never touch a file through the agent,
    // and a thread costs a clone and a stack on every create.
    if (!thread_started_ && !start_thread()) {
        // No thread to be had (out of resources): the job runs here rather than not at all.
        if (Finish finish = job()) finish();
        return;
    }
    {
        std::lock_guard lock(shared_->mutex);
        shared_->jobs.push_back(std::move(job));
    }
    shared_->posted.notify_one();
}

int SerialWorker::finished_fd() const {
    return shared_->finished_event.get();
}

void SerialWorker::run_finished() {
    std::uint64_t count;
    (void)!::read(shared_->finished_event.get(), &count, sizeof count);
    std::deque<Finish> finished;
    {
        std::lock_guard lock(shared_->mutex);
        finished.swap(shared_->finished);
    }
    for (Finish& finish : finished)
        finish();
}

} // namespace soulbox::agent
