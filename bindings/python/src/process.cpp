#include "process.hpp"

#include <chrono>
#include <csignal>
#include <set>

namespace soulbox_py {

namespace {

// Live Process objects. The mutex is only ever locked with the GIL released: a holder may wait
// for callbacks to stop, and a callback may be waiting for the GIL.
std::mutex registry_mutex;
std::set<Process*> registry;

py::dict result_dict(const soulbox::CommandResult& result) {
    py::dict d;
    d["stdout"] = py::bytes(result.stdout_data);
    d["stderr"] = py::bytes(result.stderr_data);
    d["exit_code"] = result.exit_code;
    d["signal"] = result.signal;
    d["error"] = result.error;
    d["timed_out"] = result.timed_out;
    d["oom_killed"] = result.oom_killed;
    d["stdout_truncated"] = result.stdout_truncated;
    d["stderr_truncated"] = result.stderr_truncated;
    return d;
}

} // namespace

Process::Process(soulbox::CommandHandle handle, std::string sandbox_id)
    : handle_(std::move(handle)), sandbox_id_(std::move(sandbox_id)), pid_(handle_.pid()) {
    without_gil([&] {
        std::lock_guard lock(registry_mutex);
        registry.insert(this);
    });
}

Process::~Process() {
    {
        std::lock_guard lock(registry_mutex);
        registry.erase(this);
    }
    if (waiter_thread_.joinable()) {
        // A wait still pending returns once the handle is disconnected.
        handle_.disconnect();
        waiter_thread_.join();
    }
    // handle_ goes now: its callbacks stop before they are freed.
}

void Process::start_waiter() {
    std::call_once(waiter_started_, [&] {
        waiter_thread_ = std::thread([this] {
            auto result = handle_.wait();
            std::lock_guard lock(waiter_.mutex);
            waiter_.result.emplace(std::move(result));
            waiter_.changed.notify_all();
        });
    });
}

bool Process::poll(double timeout_seconds) {
    start_waiter();
    return without_gil([&] {
        std::unique_lock lock(waiter_.mutex);
        return waiter_.changed.wait_for(lock, std::chrono::duration<double>(timeout_seconds),
                                        [&] { return waiter_.result.has_value(); });
    });
}

py::dict Process::wait(bool kill_on_interrupt) {
    using namespace std::chrono_literals;
    start_waiter();
    auto done = [&] { return waiter_.result.has_value(); };
    while (!without_gil([&] {
        std::unique_lock lock(waiter_.mutex);
        return waiter_.changed.wait_for(lock, 50ms, done);
    })) {
        if (PyErr_CheckSignals() != 0) {
            py::error_already_set interrupted;
            if (kill_on_interrupt)
                without_gil([&] {
                    (void)handle_.kill(SIGKILL);
                    std::unique_lock lock(waiter_.mutex);
                    waiter_.changed.wait(lock, done);
                });
            throw interrupted;
        }
    }
    // Done: the waiter's result no longer changes (and is not copied: it may be large).
    const auto& result = *waiter_.result;
    if (!result) throw result.error();
    return result_dict(*result);
}

bool Process::kill(int signal) {
    return killed(without_gil([&] { return handle_.kill(signal); }));
}

void Process::send_stdin(const std::string& data) {
    unwrap(without_gil([&] { return handle_.send_stdin(data); }));
}

void Process::close_stdin() {
    unwrap(without_gil([&] { return handle_.close_stdin(); }));
}

void Process::disconnect() {
    without_gil([&] { handle_.disconnect(); });
}

void Process::disconnect_all(const std::string& sandbox_id, int pid) {
    without_gil([&] {
        std::lock_guard lock(registry_mutex);
        for (Process* process : registry)
            if (process->pid_ == pid && process->sandbox_id_ == sandbox_id)
                process->handle_.disconnect();
    });
}

void Process::disconnect_everything() {
    without_gil([&] {
        std::lock_guard lock(registry_mutex);
        for (Process* process : registry)
            process->handle_.disconnect();
    });
}

} // namespace soulbox_py
