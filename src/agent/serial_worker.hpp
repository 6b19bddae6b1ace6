// One thread that runs jobs one at a time in the order they were posted, so that slow file work
// (removing a large tree, a deep listing) never holds up the agent's event loop: PID 1 keeps
// spawning, reaping, draining output and enforcing timeouts meanwhile. Each job returns what is
// to be done with its result on the loop thread (send the reply), so replies are only ever
// written by the loop. FIFO order keeps a connection's requests in sequence (fs_open_write
// before its fs_commit, a connection's cleanup after its last operation).
#pragma once

#include "core/unique_fd.hpp"
#include "soulbox/error.hpp"

#include <functional>
#include <memory>

namespace soulbox::agent {

class SerialWorker {
public:
    using Finish = std::move_only_function<void()>; // runs on the loop thread; may be empty
    using Job = std::move_only_function<Finish()>;  // runs on the worker thread

    // The thread starts with the first job, with every signal blocked: SIGCHLD and the rest
    // stay with the loop's signalfd.
    static Result<std::unique_ptr<SerialWorker>> start();
    // The thread stops after its current job. It is never waited for: a job in progress must not
    // delay the sandbox's end, and the thread owns everything it still touches.
    ~SerialWorker();
    SerialWorker(const SerialWorker&) = delete;
    SerialWorker& operator=(const SerialWorker&) = delete;

    // Loop thread only.
    void post(Job job);
    // Readable (an eventfd) when finished jobs wait for run_finished().
    int finished_fd() const;
    // Loop thread: run the Finish of every job done so far, in order.
    void run_finished();

private:
    struct Shared;
    explicit SerialWorker(std::shared_ptr<Shared> shared) : shared_(std::move(shared)) {}
    static void* thread_main(void* shared);
    bool start_thread();

    std::shared_ptr<Shared> shared_;
    bool thread_started_ = false; // loop thread only
};

} // namespace soulbox::agent
