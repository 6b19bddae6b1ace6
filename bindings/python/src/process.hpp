// The Process wrapper: one soulbox_process handle (a command or a terminal), the Python
// callables its output callbacks call, and an interruptible wait.
#pragma once

#include "core.hpp"

#include <condition_variable>
#include <mutex>
#include <thread>

namespace soulbox_py {

// The Python callables behind one handle's output callbacks (the C callbacks' user_data).
// None means "no callback".
struct OutputCallbacks {
    py::object on_stdout; // terminal output for a pty
    py::object on_stderr;
};

// C trampolines for OutputCallbacks; they run on the library's event-loop thread.
void forward_stdout(const char* data, size_t len, void* user_data);
void forward_stderr(const char* data, size_t len, void* user_data);

class Process {
public:
    Process(soulbox_process* handle, std::unique_ptr<OutputCallbacks> callbacks,
            std::string sandbox_id);
    ~Process();
    Process(const Process&) = delete;
    Process& operator=(const Process&) = delete;

    int pid() const { return pid_; }
    // The result as a dict. Wakes up every 50 ms to let Ctrl-C (or any signal handler that
    // raises) through; with kill_on_interrupt the process is killed before the exception
    // propagates, else it keeps running and a later wait() still gets its result.
    py::dict wait(bool kill_on_interrupt);
    // True once the process has ended and all its output has been delivered.
    bool poll(double timeout_seconds);
    bool kill(int signal);
    void send_stdin(const std::string& data);
    void close_stdin();
    void disconnect();

    // Disconnects every live handle of this interpreter on (sandbox_id, pid): the C layer
    // supports only one connected handle per process at a time.
    static void disconnect_all(const std::string& sandbox_id, int pid);
    // Interpreter exit: stops every callback while Python is still whole.
    static void disconnect_everything();

private:
    // soulbox_process_wait runs on its own thread so wait() can wake up for signals.
    struct Waiter {
        std::mutex mutex;
        std::condition_variable changed;
        bool done = false;
        int status = SOULBOX_OK;
        ResultPtr result;
        ErrorPtr error;
    };
    void start_waiter();
    bool waiter_done();

    soulbox_process* handle_;
    std::unique_ptr<OutputCallbacks> callbacks_;
    std::string sandbox_id_;
    int pid_;
    Waiter waiter_;
    std::once_flag waiter_started_;
    std::thread waiter_thread_;
};

} // namespace soulbox_py
