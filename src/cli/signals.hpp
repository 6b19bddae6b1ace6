// Terminating signals (SIGINT, SIGTERM, SIGHUP, SIGPIPE) and SIGWINCH for the CLI. They are
// blocked in every thread and taken by one watcher thread, so a command can react with blocking
// library calls (kill the sandbox, forward the signal, resize a terminal) rather than from a
// handler.
#pragma once

#include "soulbox/soulbox.hpp"

#include <functional>
#include <optional>

namespace soulbox::cli {

// What to do when a signal arrives; runs on the watcher thread. Without one, the CLI exits
// at once with 128 + the signal number, as if the signal's default action had run.
using SignalAction = std::function<void(int signal)>;

// What to do when this process's terminal changes size (SIGWINCH); runs on the watcher thread.
using WindowChangeAction = std::function<void()>;

// Call first in main, before any library call starts a thread (threads inherit the mask).
// Returns false if the watcher could not start; signals then keep their default actions.
bool start_signal_watcher();

// Replace the action. Signals that arrived while held are passed to the new action (or exit)
// now, on the calling thread. Waits until an action already running has returned, so its
// captures may be destroyed once this returns.
void set_signal_action(SignalAction action);

// Replace the SIGWINCH action (empty: ignore it, its default). Waits until a running one has
// returned, so its captures may be destroyed once this returns.
void set_window_change_action(WindowChangeAction action);

// Remember signals instead of acting on them, until the next set_signal_action(): for the
// moment in which there is a sandbox being made but nothing yet to kill.
void hold_signals();

// Create a sandbox that a terminating signal cannot orphan: signals are held while it is made,
// then kill it and exit with 128 + the signal. The caller clears the action when done with it.
// The sandbox lives in `slot`, which must outlive the action.
Result<void> create_killable_sandbox(const SandboxOptions& options, std::optional<Sandbox>& slot);

// Return once no action is running. An action that ends the process (run's "kill the sandbox
// and exit") must win over main reporting a result that the action itself caused.
void wait_for_signal_action();

// Treat a write to a closed stdout/stderr like SIGPIPE (once): the streamed output has no
// reader any more, so the command should end as a shell pipeline's would. Safe to call from
// the library's event-loop thread.
void raise_broken_pipe();

} // namespace soulbox::cli
