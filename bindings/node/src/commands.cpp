// sandbox.commands: start (run is start + wait in JS), connect, list, kill, sendStdin.
#include "exports.hpp"

#include "async.hpp"
#include "process.hpp"

#include <limits>

namespace soulbox_node {
namespace {

using ProcessInfoListPtr = Owned<soulbox_process_info_list, soulbox_process_info_list_free>;

// Run options, owning every string the C struct points to.
struct StartRequest {
    std::string cmd;
    KeyValues envs;
    OptionalText cwd;
    OptionalText user;
    OptionalText tag;
    soulbox_run_options options{};
};

std::shared_ptr<StartRequest> toStartRequest(const Napi::Value& cmd, const Napi::Value& value) {
    auto request = std::make_shared<StartRequest>();
    soulbox_run_options_init(&request->options);
    request->cmd = toText(cmd, "cmd");
    if (!value.IsUndefined() && !value.IsNull()) {
        if (!value.IsObject()) throw Napi::TypeError::New(value.Env(), "options must be an object");
        auto opts = value.As<Napi::Object>();
        request->envs = KeyValues(opts.Get("envs"), "envs");
        request->cwd.value = toOptionalText(opts.Get("cwd"), "cwd");
        request->user.value = toOptionalText(opts.Get("user"), "user");
        request->tag.value = toOptionalText(opts.Get("tag"), "tag");
        if (Napi::Value t = opts.Get("timeoutMs"); !t.IsUndefined())
            request->options.timeout_ms =
                toInteger(t, "timeoutMs", 0, std::numeric_limits<int32_t>::max());
        request->options.stdin_open = opts.Get("stdin").ToBoolean() ? 1 : 0;
    }
    soulbox_run_options& o = request->options;
    o.envs = request->envs.data();
    o.envs_count = request->envs.size();
    o.cwd = request->cwd.get();
    o.user = request->user.get();
    o.tag = request->tag.get();
    o.on_stdout = onStdout;
    o.on_stderr = onStderr;
    return request;
}

Napi::Object processInfoToJs(Napi::Env env, const soulbox_process_info* info) {
    Napi::Object object = Napi::Object::New(env);
    object.Set("pid", soulbox_process_info_pid(info));
    object.Set("tag", soulbox_process_info_tag(info));
    object.Set("cmd", soulbox_process_info_cmd(info));
    size_t argc = soulbox_process_info_arg_count(info);
    Napi::Array args = Napi::Array::New(env, argc);
    for (size_t i = 0; i < argc; ++i)
        args.Set(static_cast<uint32_t>(i), soulbox_process_info_arg(info, i));
    object.Set("args", args);
    Napi::Object envs = Napi::Object::New(env);
    for (size_t i = 0, n = soulbox_process_info_env_count(info); i < n; ++i)
        envs.Set(soulbox_process_info_env_key(info, i), soulbox_process_info_env_value(info, i));
    object.Set("envs", envs);
    object.Set("cwd", soulbox_process_info_cwd(info));
    return object;
}

// startCommand(sandbox, cmd, options, dispatch) -> Promise<NativeProcess>
Napi::Value startCommand(const Napi::CallbackInfo& info) {
    SandboxRef sandbox = SandboxWrap::unwrap(info[0]);
    auto request = toStartRequest(info[1], info[2]);
    return startProcess(info.Env(), toDispatch(info[3]), [sandbox, request](ProcessCore& core) {
        request->options.user_data = core.channel();
        soulbox_error* err = nullptr;
        return check(soulbox_commands_start(core.out(), sandbox->get(), request->cmd.c_str(),
                                            &request->options, &err),
                     err);
    });
}

// connectCommand(sandbox, pid, dispatch) -> Promise<NativeProcess>
Napi::Value connectCommand(const Napi::CallbackInfo& info) {
    SandboxRef sandbox = SandboxWrap::unwrap(info[0]);
    int pid = toPid(info[1]);
    return startProcess(info.Env(), toDispatch(info[2]), [sandbox, pid](ProcessCore& core) {
        soulbox_error* err = nullptr;
        return check(soulbox_commands_connect(core.out(), sandbox->get(), pid, onStdout, onStderr,
                                              core.channel(), &err),
                     err);
    });
}

// listCommands(sandbox) -> Promise<ProcessInfo[]>
Napi::Value listCommands(const Napi::CallbackInfo& info) {
    SandboxRef sandbox = SandboxWrap::unwrap(info[0]);
    auto list = std::make_shared<ProcessInfoListPtr>();
    return runInPool(
        info.Env(),
        [sandbox, list] {
            soulbox_process_info_list* out = nullptr;
            soulbox_error* err = nullptr;
            Status status = check(soulbox_commands_list(&out, sandbox->get(), &err), err);
            list->reset(out);
            return status;
        },
        [list](Napi::Env env) -> Napi::Value {
            size_t count = soulbox_process_info_list_count(list->get());
            Napi::Array array = Napi::Array::New(env, count);
            for (size_t i = 0; i < count; ++i)
                array.Set(static_cast<uint32_t>(i),
                          processInfoToJs(env, soulbox_process_info_list_get(list->get(), i)));
            return array;
        });
}

// killCommand(sandbox, pid, signal?) -> Promise<void>
Napi::Value killCommand(const Napi::CallbackInfo& info) {
    SandboxRef sandbox = SandboxWrap::unwrap(info[0]);
    int pid = toPid(info[1]);
    int signal = toSignal(info[2]);
    return runInPool(info.Env(), [sandbox, pid, signal] {
        soulbox_error* err = nullptr;
        return check(soulbox_commands_kill(sandbox->get(), pid, signal, &err), err);
    });
}

// sendCommandStdin(sandbox, pid, bytes) -> Promise<void>
Napi::Value sendCommandStdin(const Napi::CallbackInfo& info) {
    SandboxRef sandbox = SandboxWrap::unwrap(info[0]);
    int pid = toPid(info[1]);
    auto bytes = std::make_shared<std::vector<char>>(toBytes(info[2], "data"));
    return runInPool(info.Env(), [sandbox, pid, bytes] {
        soulbox_error* err = nullptr;
        return check(
            soulbox_commands_send_stdin(sandbox->get(), pid, bytes->data(), bytes->size(), &err),
            err);
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
