// The Process wrapper: one soulbox::CommandHandle (a command or a terminal) and an
// interruptible wait on it.
#pragma once

#include "core.hpp"

#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace soulbox_py {

class Process {
public:
    Process(soulbox::CommandHandle handle, std::string sandbox_id);
    ~Process(); // with the GIL released (Held<Process>)
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

    // Disconnects every live handle of this interpreter on (sandbox_id, pid): the library
    // supports only one connected handle per process at a time.
    static void disconnect_all(const std::string& sandbox_id, int pid);
    // Interpreter exit: stops every callback while Python is still whole.
    static void disconnect_everything();

private:
    // CommandHandle::wait runs on its own thread so wait() can wake up for signals.
    struct Waiter {
        std::mutex mutex;
        std::condition_variable changed;
        std::optional<soulbox::Result<soulbox::CommandResult>> result; // set when done
    };
    void start_waiter();

    soulbox::CommandHandle handle_;
    std::string sandbox_id_;
    int pid_;
    Waiter waiter_;
    std::once_flag waiter_started_;
    std::thread waiter_thread_;
};

} // namespace soulbox_py
