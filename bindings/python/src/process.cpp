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

void forward(const py::object& fn, const char* data, size_t len) {
    if (fn.is_none()) return;
    from_library_thread(fn.ptr(), [&] { fn(py::bytes(data, len)); });
}

py::dict result_dict(const soulbox_command_result* res) {
    size_t out_len = 0;
    size_t err_len = 0;
    const char* out = soulbox_command_result_stdout(res, &out_len);
    const char* err = soulbox_command_result_stderr(res, &err_len);
    py::dict d;
    d["stdout"] = py::bytes(out, out_len);
    d["stderr"] = py::bytes(err, err_len);
    d["exit_code"] = soulbox_command_result_exit_code(res);
    d["signal"] = soulbox_command_result_signal(res);
    d["error"] = soulbox_command_result_error(res);
    d["timed_out"] = soulbox_command_result_timed_out(res) != 0;
    d["oom_killed"] = soulbox_command_result_oom_killed(res) != 0;
    d["stdout_truncated"] = soulbox_command_result_stdout_truncated(res) != 0;
    d["stderr_truncated"] = soulbox_command_result_stderr_truncated(res) != 0;
    return d;
}

} // namespace

void forward_stdout(const char* data, size_t len, void* user_data) {
    forward(static_cast<OutputCallbacks*>(user_data)->on_stdout, data, len);
}

void forward_stderr(const char* data, size_t len, void* user_data) {
    forward(static_cast<OutputCallbacks*>(user_data)->on_stderr, data, len);
}

Process::Process(soulbox_process* handle, std::unique_ptr<OutputCallbacks> callbacks,
                 std::string sandbox_id)
    : handle_(handle), callbacks_(std::move(callbacks)), sandbox_id_(std::move(sandbox_id)),
      pid_(soulbox_process_pid(handle)) {
    without_gil([&] {
        std::lock_guard lock(registry_mutex);
        registry.insert(this);
    });
}

Process::~Process() {
    without_gil([&] {
        {
            std::lock_guard lock(registry_mutex);
            registry.erase(this);
        }
        if (waiter_thread_.joinable()) {
            // A wait still pending returns once the handle is disconnected.
            if (!waiter_done()) soulbox_process_disconnect(handle_, nullptr);
            waiter_thread_.join();
        }
        // Callbacks have stopped when this returns, so callbacks_ may go after it.
        soulbox_process_free(handle_);
    });
}

bool Process::waiter_done() {
    std::lock_guard lock(waiter_.mutex);
    return waiter_.done;
}

void Process::start_waiter() {
    std::call_once(waiter_started_, [&] {
        waiter_thread_ = std::thread([this] {
            soulbox_command_result* res = nullptr;
            soulbox_error* err = nullptr;
            int status = soulbox_process_wait(&res, handle_, &err);
            std::lock_guard lock(waiter_.mutex);
            waiter_.status = status;
            waiter_.result.reset(res);
            waiter_.error.reset(err);
            waiter_.done = true;
            waiter_.changed.notify_all();
        });
    });
}

bool Process::poll(double timeout_seconds) {
    start_waiter();
    return without_gil([&] {
        std::unique_lock lock(waiter_.mutex);
        return waiter_.changed.wait_for(lock, std::chrono::duration<double>(timeout_seconds),
                                        [&] { return waiter_.done; });
    });
}

py::dict Process::wait(bool kill_on_interrupt) {
    using namespace std::chrono_literals;
    start_waiter();
    while (!without_gil([&] {
        std::unique_lock lock(waiter_.mutex);
        return waiter_.changed.wait_for(lock, 50ms, [&] { return waiter_.done; });
    })) {
        if (PyErr_CheckSignals() != 0) {
            py::error_already_set interrupted;
            if (kill_on_interrupt)
                without_gil([&] {
                    soulbox_process_kill(handle_, SIGKILL, nullptr);
                    std::unique_lock lock(waiter_.mutex);
                    waiter_.changed.wait(lock, [&] { return waiter_.done; });
                });
            throw interrupted;
        }
    }
    // Done: the waiter's fields no longer change.
    if (waiter_.status != SOULBOX_OK) throw core_error(waiter_.status, waiter_.error.get());
    return result_dict(waiter_.result.get());
}

bool Process::kill(int signal) {
    soulbox_error* err = nullptr;
    int status = without_gil([&] { return soulbox_process_kill(handle_, signal, &err); });
    if (status == SOULBOX_ERR_NOT_FOUND || status == SOULBOX_ERR_NOT_RUNNING) {
        soulbox_error_free(err);
        return false;
    }
    check(status, err);
    return true;
}

void Process::send_stdin(const std::string& data) {
    soulbox_error* err = nullptr;
    int status = without_gil(
        [&] { return soulbox_process_send_stdin(handle_, data.data(), data.size(), &err); });
    check(status, err);
}

void Process::close_stdin() {
    soulbox_error* err = nullptr;
    int status = without_gil([&] { return soulbox_process_close_stdin(handle_, &err); });
    check(status, err);
}

void Process::disconnect() {
    soulbox_error* err = nullptr;
    int status = without_gil([&] { return soulbox_process_disconnect(handle_, &err); });
    check(status, err);
}

void Process::disconnect_all(const std::string& sandbox_id, int pid) {
    without_gil([&] {
        std::lock_guard lock(registry_mutex);
        for (Process* process : registry)
            if (process->pid_ == pid && process->sandbox_id_ == sandbox_id)
                soulbox_process_disconnect(process->handle_, nullptr);
    });
}

void Process::disconnect_everything() {
    without_gil([&] {
        std::lock_guard lock(registry_mutex);
        for (Process* process : registry)
            soulbox_process_disconnect(process->handle_, nullptr);
    });
}

} // namespace soulbox_py
