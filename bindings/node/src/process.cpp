#include "process.hpp"

#include "async.hpp"

#include <csignal>
#include <limits>
#include <thread>

namespace soulbox_node {

ProcessCore::ProcessCore(Napi::Env env, Napi::Function dispatch)
    : channel_(std::make_unique<JsChannel>(env, dispatch, "soulbox process")),
      lifetime_(addonData(env).lifetime) {}

ProcessCore::~ProcessCore() {
    lifetime_->removeStopper(this);
    // handle_ goes first: it disconnects a still-running process (its callbacks stop before
    // that returns), then ~JsChannel gives up the callbacks' share.
    handle_.reset();
}

void ProcessCore::started(const std::shared_ptr<ProcessCore>& core, soulbox::CommandHandle handle) {
    ProcessCore* self = core.get();
    self->handle_.emplace(std::move(handle));
    self->lifetime_->addStopper(self, [self] { self->handle_->disconnect(); });
    Tsfn tsfn = self->channel_->acquire();
    self->lifetime_->threadStarted();
    std::thread(waitForExit, core, tsfn).detach();
}

void ProcessCore::waitForExit(std::shared_ptr<ProcessCore> core, Tsfn tsfn) {
    std::shared_ptr<Lifetime> lifetime = core->lifetime_;
    auto result = std::make_shared<soulbox::Result<soulbox::CommandResult>>(core->handle_->wait());
    // A successful wait means the output is drained and the callbacks have stopped. A failed
    // one (disconnected) leaves that to whoever disconnected.
    if (*result) core->channel_->retireCallbacks();

    auto message = std::make_unique<Message>();
    message->kind = *result ? "exit" : "error";
    // The message takes this thread's reference, so the core is normally released on the JS
    // thread once JS has the result.
    message->make = [result, keep = std::move(core)](Napi::Env env) {
        return *result ? toJs(env, **result) : makeError(env, result->error());
    };
    if (tsfn.NonBlockingCall(message.get()) == napi_ok) message.release();
    message.reset();
    JsChannel::release(tsfn);
    lifetime->threadFinished();
}

void ProcessCore::disconnect() {
    handle_->disconnect();
    // Callbacks have stopped once disconnect returns.
    channel_->retireCallbacks();
}

Napi::Function ProcessWrap::define(Napi::Env env) {
    return DefineClass(env, "NativeProcess",
                       {InstanceAccessor<&ProcessWrap::pid>("pid"),
                        InstanceMethod<&ProcessWrap::kill>("kill"),
                        InstanceMethod<&ProcessWrap::sendStdin>("sendStdin"),
                        InstanceMethod<&ProcessWrap::closeStdin>("closeStdin"),
                        InstanceMethod<&ProcessWrap::disconnect>("disconnect")});
}

ProcessWrap::ProcessWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ProcessWrap>(info) {
    if (info.Length() != 1 || !info[0].IsExternal())
        throw Napi::TypeError::New(info.Env(), "NativeProcess cannot be constructed directly");
    core_ = *info[0].As<Napi::External<ProcessRef>>().Data();
}

Napi::Object ProcessWrap::wrap(Napi::Env env, ProcessRef core) {
    return addonData(env).processClass.New({Napi::External<ProcessRef>::New(env, &core)});
}

Napi::Value ProcessWrap::pid(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), core_->handle().pid());
}

Napi::Value ProcessWrap::kill(const Napi::CallbackInfo& info) {
    return runInPool(info.Env(), [core = core_, signal = toSignal(info[0])] {
        return core->handle().kill(signal);
    });
}

Napi::Value ProcessWrap::sendStdin(const Napi::CallbackInfo& info) {
    return runInPool(info.Env(), [core = core_, bytes = toBytes(info[0], "data")] {
        return core->handle().send_stdin(bytes);
    });
}

Napi::Value ProcessWrap::closeStdin(const Napi::CallbackInfo& info) {
    return runInPool(info.Env(), [core = core_] { return core->handle().close_stdin(); });
}

Napi::Value ProcessWrap::disconnect(const Napi::CallbackInfo& info) {
    return runInPool(info.Env(), [core = core_] {
        core->disconnect();
        return soulbox::Status();
    });
}

Napi::Promise
startProcess(Napi::Env env, Napi::Function dispatch,
             std::function<soulbox::Result<soulbox::CommandHandle>(JsChannel&)> call) {
    auto core = std::make_shared<ProcessCore>(env, dispatch);
    return queuePoolCall(
        env,
        [core, call = std::move(call)]() -> soulbox::Status {
            auto handle = call(core->channel());
            if (!handle) return std::unexpected(std::move(handle.error()));
            ProcessCore::started(core, std::move(*handle));
            return {};
        },
        [core](Napi::Env e) { return ProcessWrap::wrap(e, core); });
}

Napi::Function toDispatch(const Napi::Value& value) {
    if (!value.IsFunction()) throw Napi::TypeError::New(value.Env(), "dispatch must be a function");
    return value.As<Napi::Function>();
}

int toPid(const Napi::Value& value) {
    return static_cast<int>(toInteger(value, "pid", 1, std::numeric_limits<int32_t>::max()));
}

int toSignal(const Napi::Value& value) {
    if (value.IsUndefined()) return SIGKILL;
    return static_cast<int>(toInteger(value, "signal", 1, 64));
}

std::chrono::milliseconds toTimeoutMs(const Napi::Value& value) {
    return std::chrono::milliseconds(
        toInteger(value, "timeoutMs", 0, std::numeric_limits<int32_t>::max()));
}

} // namespace soulbox_node
