#include "process.hpp"

#include "async.hpp"

#include <csignal>
#include <limits>
#include <thread>

namespace soulbox_node {
namespace {

Napi::Value resultToJs(Napi::Env env, const soulbox_command_result* res) {
    size_t outLen = 0;
    size_t errLen = 0;
    const char* out = soulbox_command_result_stdout(res, &outLen);
    const char* err = soulbox_command_result_stderr(res, &errLen);
    Napi::Object object = Napi::Object::New(env);
    object.Set("exitCode", soulbox_command_result_exit_code(res));
    object.Set("signal", soulbox_command_result_signal(res));
    object.Set("stdout", Napi::String::New(env, out, outLen));
    object.Set("stderr", Napi::String::New(env, err, errLen));
    object.Set("error", soulbox_command_result_error(res));
    object.Set("timedOut", soulbox_command_result_timed_out(res) != 0);
    object.Set("oomKilled", soulbox_command_result_oom_killed(res) != 0);
    object.Set("stdoutTruncated", soulbox_command_result_stdout_truncated(res) != 0);
    object.Set("stderrTruncated", soulbox_command_result_stderr_truncated(res) != 0);
    return object;
}

} // namespace

ProcessCore::ProcessCore(Napi::Env env, Napi::Function dispatch)
    : channel_(std::make_unique<JsChannel>(env, dispatch, "soulbox process")),
      lifetime_(addonData(env).lifetime) {}

ProcessCore::~ProcessCore() {
    lifetime_->removeStopper(this);
    // Disconnects a still-running process (callbacks stop before it returns), then ~JsChannel
    // gives up the callbacks' share.
    soulbox_process_free(handle_);
}

void ProcessCore::started(const std::shared_ptr<ProcessCore>& core) {
    ProcessCore* self = core.get();
    self->lifetime_->addStopper(
        self, [self] { (void)soulbox_process_disconnect(self->handle_, nullptr); });
    Tsfn tsfn = self->channel_->acquire();
    self->lifetime_->threadStarted();
    std::thread(waitForExit, core, tsfn).detach();
}

void ProcessCore::waitForExit(std::shared_ptr<ProcessCore> core, Tsfn tsfn) {
    std::shared_ptr<Lifetime> lifetime = core->lifetime_;
    soulbox_command_result* out = nullptr;
    soulbox_error* err = nullptr;
    Status status = check(soulbox_process_wait(&out, core->handle_, &err), err);
    auto result = std::make_shared<ResultPtr>(out);
    // A successful wait means the output is drained and the callbacks have stopped. A failed
    // one (disconnected) leaves that to whoever disconnected.
    if (status.ok()) core->channel_->retireCallbacks();

    auto message = std::make_unique<Message>();
    message->kind = status.ok() ? "exit" : "error";
    // The message takes this thread's reference, so the core is normally released on the JS
    // thread once JS has the result.
    message->make = [result, status, keep = std::move(core)](Napi::Env env) {
        return status.ok() ? resultToJs(env, result->get()) : makeError(env, status);
    };
    if (tsfn.NonBlockingCall(message.get()) == napi_ok) message.release();
    message.reset();
    JsChannel::release(tsfn);
    lifetime->threadFinished();
}

Status ProcessCore::disconnect() {
    soulbox_error* err = nullptr;
    Status status = check(soulbox_process_disconnect(handle_, &err), err);
    // Callbacks have stopped once disconnect returns, whatever its status.
    channel_->retireCallbacks();
    return status;
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
    return Napi::Number::New(info.Env(), soulbox_process_pid(core_->handle()));
}

Napi::Value ProcessWrap::kill(const Napi::CallbackInfo& info) {
    int signal = toSignal(info[0]);
    return runInPool(info.Env(), [core = core_, signal] {
        soulbox_error* err = nullptr;
        return check(soulbox_process_kill(core->handle(), signal, &err), err);
    });
}

Napi::Value ProcessWrap::sendStdin(const Napi::CallbackInfo& info) {
    auto bytes = std::make_shared<std::vector<char>>(toBytes(info[0], "data"));
    return runInPool(info.Env(), [core = core_, bytes] {
        soulbox_error* err = nullptr;
        return check(soulbox_process_send_stdin(core->handle(), bytes->data(), bytes->size(), &err),
                     err);
    });
}

Napi::Value ProcessWrap::closeStdin(const Napi::CallbackInfo& info) {
    return runInPool(info.Env(), [core = core_] {
        soulbox_error* err = nullptr;
        return check(soulbox_process_close_stdin(core->handle(), &err), err);
    });
}

Napi::Value ProcessWrap::disconnect(const Napi::CallbackInfo& info) {
    return runInPool(info.Env(), [core = core_] { return core->disconnect(); });
}

Napi::Promise startProcess(Napi::Env env, Napi::Function dispatch,
                           std::function<Status(ProcessCore&)> call) {
    auto core = std::make_shared<ProcessCore>(env, dispatch);
    return runInPool(
        env,
        [core, call = std::move(call)] {
            Status status = call(*core);
            if (status.ok()) ProcessCore::started(core);
            return status;
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

} // namespace soulbox_node
