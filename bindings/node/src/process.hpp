// NativeProcess: a running command or terminal (one soulbox_process) and the thread that waits
// for its end.
//
// Every process gets a waiter thread at once (as E2B's CommandHandle consumes its event stream
// at once): it blocks in soulbox_process_wait on its own thread, never in libuv's pool, and
// posts the result to JS as an 'exit' message behind all the output, so onStdout/onStderr have
// seen everything before wait() resolves. While the process runs its channel keeps Node alive
// (a command started in the background stays observable); the command's timeoutMs, kill() or
// disconnect() end that.
#pragma once

#include "channel.hpp"
#include "sandbox.hpp"

namespace soulbox_node {

class ProcessCore {
public:
    ProcessCore(Napi::Env env, Napi::Function dispatch);
    ~ProcessCore();
    ProcessCore(const ProcessCore&) = delete;
    ProcessCore& operator=(const ProcessCore&) = delete;

    // The out-parameter for soulbox_commands_start & co.
    soulbox_process** out() { return &handle_; }
    soulbox_process* handle() const { return handle_; }
    // user_data for the C output callbacks.
    JsChannel* channel() const { return channel_.get(); }

    // After the C call that filled out() succeeded, on the calling (pool) thread: starts the
    // waiter and lets shutdown disconnect the process.
    static void started(const std::shared_ptr<ProcessCore>& core);
    Status disconnect();

private:
    static void waitForExit(std::shared_ptr<ProcessCore> core, Tsfn tsfn);

    std::unique_ptr<JsChannel> channel_; // outlives handle_: destroyed after it
    soulbox_process* handle_ = nullptr;
    std::shared_ptr<Lifetime> lifetime_;
};
using ProcessRef = std::shared_ptr<ProcessCore>;

class ProcessWrap : public Napi::ObjectWrap<ProcessWrap> {
public:
    static Napi::Function define(Napi::Env env);
    static Napi::Object wrap(Napi::Env env, ProcessRef core);
    explicit ProcessWrap(const Napi::CallbackInfo& info);

private:
    Napi::Value pid(const Napi::CallbackInfo& info);
    Napi::Value kill(const Napi::CallbackInfo& info);
    Napi::Value sendStdin(const Napi::CallbackInfo& info);
    Napi::Value closeStdin(const Napi::CallbackInfo& info);
    Napi::Value disconnect(const Napi::CallbackInfo& info);

    ProcessRef core_;
};

// A call that starts or attaches a process (commands start/connect, pty create/connect): runs
// `call(core)` on the pool and resolves with a NativeProcess.
Napi::Promise startProcess(Napi::Env env, Napi::Function dispatch,
                           std::function<Status(ProcessCore&)> call);

// The dispatch function argument (the JS layer's message handler).
Napi::Function toDispatch(const Napi::Value& value);

// A process id inside the sandbox.
int toPid(const Napi::Value& value);

// Signal numbers accepted from JS (default SIGKILL).
int toSignal(const Napi::Value& value);

} // namespace soulbox_node
