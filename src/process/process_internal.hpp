// Process internals shared by commands (src/process) and terminals (src/pty).
#pragma once

#include "api/sandbox.hpp"
#include "io/event_loop.hpp"
#include "protocol/message.hpp"
#include "sandbox/sandbox_state.hpp"

#include <condition_variable>
#include <memory>
#include <mutex>

namespace soulbox {

struct CommandHandle::State {
    std::shared_ptr<Sandbox::State> sandbox;
    int pid = 0;
    UniqueFd stdin_writer, stdout_reader, stderr_reader;
    io::EventLoop::WatchId stdout_watch = 0, stderr_watch = 0;
    OutputCallback on_stdout, on_stderr;
    // Where on_stdout/on_stderr run (null without callbacks); see runtime/callback_pool.hpp.
    std::shared_ptr<CallbackPool::Strand> callbacks;
    bool stdout_paused = false, stderr_paused = false; // loop thread only
    std::size_t max_output = 0;
    std::optional<std::uint64_t> oom_baseline;

    std::mutex mutex;
    std::condition_variable changed;
    CommandResult result;
    bool exited = false, stdout_open = true, stderr_open = true, agent_gone = false;
    bool detaching = false, detached = false, superseded = false;
    std::uint64_t exit_token = 0; // this handle's exit subscription on the channel

    ~State() { stop_watching(); }

    // Detach (once): stop reading output, then wake a wait(), so a wait() that fails because
    // of the detach returns only after the output callbacks have stopped.
    bool mark_detached(bool by_other_handle) {
        {
            std::lock_guard lock(mutex);
            if (detaching) return false;
            detaching = true;
        }
        stop_watching();
        std::lock_guard lock(mutex);
        detached = true;
        superseded = by_other_handle;
        changed.notify_all();
        return true;
    }

    bool finished() const { return exited && !stdout_open && !stderr_open; }

    // No output is read, and no callback runs, once this returns (but for one that is calling
    // it).
    void stop_watching() {
        auto& loop = sandbox->runtime->loop();
        if (stdout_watch) loop.cancel(std::exchange(stdout_watch, 0));
        if (stderr_watch) loop.cancel(std::exchange(stderr_watch, 0));
        if (callbacks) callbacks->close();
    }
};

namespace process {

inline Error invalid(std::string message) {
    return make_error(Errc::invalid_argument, std::move(message));
}

// Send a request about one process and wait for its reply. A NOT_FOUND in it is about
// `subject`: the process for requests by pid, the path (cwd or program) for a spawn.
Result<protocol::Message> request(Sandbox::State& sandbox, protocol::Message message,
                                  ErrorSubject subject);

// What a spawn request carries, for commands and terminals alike.
struct SpawnSpec {
    const std::vector<std::string>& argv;
    const StringMap& envs;
    const std::string& cwd;
    const std::string& user;
    const std::string& tag;
    std::chrono::milliseconds timeout;
};

// Validate a process's parameters (empty command, NUL bytes, env names, relative cwd, unknown
// user, negative timeout; the meaning checks are spec's) and build the spawn frame.
Result<protocol::Message> spawn_request(const SpawnSpec& spec);

// Wrap a spawn or attach reply from the agent (pipes or a terminal) into handle state: its
// output is read on the event loop and its exit event is subscribed.
Result<std::shared_ptr<CommandHandle::State>>
adopt(const std::shared_ptr<Sandbox::State>& sandbox, protocol::Message& reply,
      OutputCallback on_stdout, OutputCallback on_stderr, std::size_t max_output);

// Ask the agent to signal a process (its group, and its whole tree for SIGKILL).
Status signal_process(Sandbox::State& sandbox, int pid, int signal);

// Write everything to a process's stdin pipe or terminal; EPIPE is an error, never a SIGPIPE.
Status write_all(int fd, std::string_view data);

} // namespace process
} // namespace soulbox
