// sandbox.commands: start (run is start + wait in JS), connect, list, kill, sendStdin.
#include "exports.hpp"

#include "async.hpp"
#include "process.hpp"

namespace soulbox_node {
namespace {

soulbox::RunOptions toRunOptions(const Napi::Value& value) {
    soulbox::RunOptions options;
    if (value.IsUndefined() || value.IsNull()) return options;
    if (!value.IsObject()) throw Napi::TypeError::New(value.Env(), "options must be an object");
    auto opts = value.As<Napi::Object>();
    options.envs = toStringMap(opts.Get("envs"), "envs");
    setText(options.cwd, opts.Get("cwd"), "cwd");
    setText(options.user, opts.Get("user"), "user");
    setText(options.tag, opts.Get("tag"), "tag");
    if (Napi::Value t = opts.Get("timeoutMs"); !t.IsUndefined()) options.timeout = toTimeoutMs(t);
    options.stdin = opts.Get("stdin").ToBoolean();
    return options;
}

// startCommand(sandbox, cmd, options, dispatch) -> Promise<NativeProcess>
Napi::Value startCommand(const Napi::CallbackInfo& info) {
    SandboxRef sandbox = SandboxWrap::unwrap(info[0]);
    std::string cmd = toText(info[1], "cmd");
    soulbox::RunOptions options = toRunOptions(info[2]);
    return startProcess(info.Env(), toDispatch(info[3]),
                        [sandbox, cmd, options](JsChannel& channel) mutable {
                            options.on_stdout = channel.forward("stdout");
                            options.on_stderr = channel.forward("stderr");
                            return sandbox->commands().start(cmd, std::move(options));
                        });
}

// connectCommand(sandbox, pid, dispatch) -> Promise<NativeProcess>
Napi::Value connectCommand(const Napi::CallbackInfo& info) {
    SandboxRef sandbox = SandboxWrap::unwrap(info[0]);
    int pid = toPid(info[1]);
    return startProcess(info.Env(), toDispatch(info[2]), [sandbox, pid](JsChannel& channel) {
        return sandbox->commands().connect(pid, channel.forward("stdout"),
                                           channel.forward("stderr"));
    });
}

// listCommands(sandbox) -> Promise<ProcessInfo[]>
Napi::Value listCommands(const Napi::CallbackInfo& info) {
    return runInPool(info.Env(), [sandbox = SandboxWrap::unwrap(info[0])] {
        return sandbox->commands().list();
    });
}

// killCommand(sandbox, pid, signal?) -> Promise<void>
Napi::Value killCommand(const Napi::CallbackInfo& info) {
    return runInPool(
        info.Env(), [sandbox = SandboxWrap::unwrap(info[0]), pid = toPid(info[1]),
                     signal = toSignal(info[2])] { return sandbox->commands().kill(pid, signal); });
}

// sendCommandStdin(sandbox, pid, bytes) -> Promise<void>
Napi::Value sendCommandStdin(const Napi::CallbackInfo& info) {
    return runInPool(info.Env(), [sandbox = SandboxWrap::unwrap(info[0]), pid = toPid(info[1]),
                                  bytes = toBytes(info[2], "data")] {
        return sandbox->commands().send_stdin(pid, bytes);
    });
}

} // namespace

void initCommands(Napi::Env env, Napi::Object exports) {
    exports.Set("startCommand", Napi::Function::New<startCommand>(env, "startCommand"));
    exports.Set("connectCommand", Napi::Function::New<connectCommand>(env, "connectCommand"));
    exports.Set("listCommands", Napi::Function::New<listCommands>(env, "listCommands"));
    exports.Set("killCommand", Napi::Function::New<killCommand>(env, "killCommand"));
    exports.Set("sendCommandStdin", Napi::Function::New<sendCommandStdin>(env, "sendCommandStdin"));
}

} // namespace soulbox_node
