#include "cli/signals.hpp"

#include <atomic>
#include <csignal>
#include <mutex>
#include <pthread.h>
#include <unistd.h>
#include <vector>

namespace soulbox::cli {

namespace {

struct Watcher {
    sigset_t signals{};
    std::mutex state_mutex; // guards action, holding and held
    SignalAction action;
    bool holding = false;
    std::vector<int> held;
    // Held while an action runs, so set_signal_action() can wait for it to finish.
    std::mutex running_mutex;
    std::atomic<bool> pipe_raised{false};
    // SIGWINCH never ends the CLI: it runs this action if there is one, else nothing.
    std::mutex window_mutex; // held while the window action is replaced or runs
    WindowChangeAction window_action;
};

Watcher& watcher() {
    static Watcher instance;
    return instance;
}

[[noreturn]] void exit_for(int signal) {
    ::_exit(128 + signal);
}

void dispatch_window_change() {
    Watcher& w = watcher();
    std::lock_guard lock(w.window_mutex);
    if (w.window_action) w.window_action();
}

void dispatch(int signal) {
    Watcher& w = watcher();
    if (signal == SIGWINCH) return dispatch_window_change();
    std::lock_guard running(w.running_mutex);
    SignalAction action;
    {
        std::lock_guard lock(w.state_mutex);
        if (w.holding) {
            w.held.push_back(signal);
            return;
        }
        action = w.action;
    }
    if (!action) exit_for(signal);
    action(signal);
}

void* watch(void*) {
    Watcher& w = watcher();
    for (;;) {
        int signal = 0;
        if (::sigwait(&w.signals, &signal) == 0) dispatch(signal);
    }
    return nullptr;
}

} // namespace

bool start_signal_watcher() {
    Watcher& w = watcher();
    sigemptyset(&w.signals);
    for (int signal : {SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGWINCH})
        sigaddset(&w.signals, signal);
    sigset_t previous;
    if (::pthread_sigmask(SIG_BLOCK, &w.signals, &previous) != 0) return false;
    pthread_attr_t attributes;
    pthread_t thread;
    ::pthread_attr_init(&attributes);
    ::pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
    int rc = ::pthread_create(&thread, &attributes, watch, nullptr);
    ::pthread_attr_destroy(&attributes);
    if (rc != 0) {
        ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);
        return false;
    }
    return true;
}

void set_signal_action(SignalAction action) {
    Watcher& w = watcher();
    std::vector<int> held;
    {
        std::lock_guard running(w.running_mutex);
        std::lock_guard lock(w.state_mutex);
        w.action = std::move(action);
        w.holding = false;
        held.swap(w.held);
    }
    for (int signal : held)
        dispatch(signal);
}

void set_window_change_action(WindowChangeAction action) {
    Watcher& w = watcher();
    std::lock_guard lock(w.window_mutex);
    w.window_action = std::move(action);
}

void hold_signals() {
    Watcher& w = watcher();
    std::lock_guard lock(w.state_mutex);
    w.holding = true;
}

void wait_for_signal_action() {
    std::lock_guard running(watcher().running_mutex);
}

void raise_broken_pipe() {
    if (!watcher().pipe_raised.exchange(true)) ::kill(::getpid(), SIGPIPE);
}

Result<void> create_killable_sandbox(const SandboxOptions& options, std::optional<Sandbox>& slot) {
    hold_signals();
    auto sandbox = Sandbox::create(options);
    if (!sandbox) {
        set_signal_action({});
        return std::unexpected(sandbox.error());
    }
    slot.emplace(std::move(*sandbox));
    set_signal_action([&slot](int signal) {
        (void)slot->kill();
        ::_exit(128 + signal);
    });
    return {};
}

} // namespace soulbox::cli
