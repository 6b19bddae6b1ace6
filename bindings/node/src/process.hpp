// NativeProcess: a running command or terminal (one soulbox::CommandHandle) and the thread
// that waits for its end.
//
// Every process gets a waiter thread at once (as E2B's CommandHandle consumes its event stream
// at once): it blocks in CommandHandle::wait on its own thread, never in libuv's pool, and
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

    // Where the process's output callbacks post (JsChannel::forward).
    JsChannel& channel() const { return *channel_; }
    // Set once by startProcess (pool thread) before JS or the waiter can see the core.
    soulbox::CommandHandle& handle() { return *handle_; }

    // After the call that made `handle` succeeded, on the calling (pool) thread: adopts it,
    // starts the waiter and lets shutdown disconnect the process.
    static void started(const std::shared_ptr<ProcessCore>& core, soulbox::CommandHandle handle);
    void disconnect();

private:
    static void waitForExit(std::shared_ptr<ProcessCore> core, Tsfn tsfn);

    // Declared first, destroyed last: the handle's callbacks post to it until handle_ is gone.
    std::unique_ptr<JsChannel> channel_;
    std::optional<soulbox::CommandHandle> handle_;
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
// `call(channel)` on the pool and resolves with a NativeProcess. The call gives the process
// callbacks made by channel.forward().
Napi::Promise startProcess(Napi::Env env, Napi::Function dispatch,
                           std::function<soulbox::Result<soulbox::CommandHandle>(JsChannel&)> call);

// The dispatch function argument (the JS layer's message handler).
Napi::Function toDispatch(const Napi::Value& value);

// A process id inside the sandbox.
int toPid(const Napi::Value& value);

// Signal numbers accepted from JS (default SIGKILL).
int toSignal(const Napi::Value& value);

// A timeoutMs option (milliseconds, 0 = none).
std::chrono::milliseconds toTimeoutMs(const Napi::Value& value);

} // namespace soulbox_node
