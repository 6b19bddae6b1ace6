// sandbox.pty: terminals are processes (NativeProcess) whose output arrives as 'data' bytes.
#include "async.hpp"
#include "exports.hpp"
#include "process.hpp"

#include <limits>

namespace soulbox_node {
namespace {

struct PtyRequest {
    KeyValues envs;
    OptionalText cwd;
    OptionalText user;
    soulbox_pty_options options{};
};

uint16_t toDimension(const Napi::Value& value, const char* what) {
    return static_cast<uint16_t>(toInteger(value, what, 0, std::numeric_limits<uint16_t>::max()));
}

std::shared_ptr<PtyRequest> toPtyRequest(const Napi::Value& value) {
    auto request = std::make_shared<PtyRequest>();
    soulbox_pty_options_init(&request->options);
    if (!value.IsObject()) throw Napi::TypeError::New(value.Env(), "options must be an object");
    auto opts = value.As<Napi::Object>();
    soulbox_pty_options& o = request->options;
    o.cols = toDimension(opts.Get("cols"), "cols");
    o.rows = toDimension(opts.Get("rows"), "rows");
    request->envs = KeyValues(opts.Get("envs"), "envs");
    request->cwd.value = toOptionalText(opts.Get("cwd"), "cwd");
    request->user.value = toOptionalText(opts.Get("user"), "user");
    if (Napi::Value t = opts.Get("timeoutMs"); !t.IsUndefined())
        o.timeout_ms = toInteger(t, "timeoutMs", 0, std::numeric_limits<int32_t>::max());
    o.envs = request->envs.data();
    o.envs_count = request->envs.size();
    o.cwd = request->cwd.get();
    o.user = request->user.get();
    o.on_data = onTerminalData;
    return request;
}

// createPty(sandbox, {cols, rows, envs, cwd, user, timeoutMs}, dispatch) -> NativeProcess
Napi::Value createPty(const Napi::CallbackInfo& info) {
    SandboxRef sandbox = SandboxWrap::unwrap(info[0]);
    auto request = toPtyRequest(info[1]);
    return startProcess(info.Env(), toDispatch(info[2]), [sandbox, request](ProcessCore& core) {
        request->options.user_data = core.channel();
        soulbox_error* err = nullptr;
        return check(soulbox_pty_create(core.out(), sandbox->get(), &request->options, &err), err);
    });
}

// connectPty(sandbox, pid, dispatch) -> NativeProcess
Napi::Value connectPty(const Napi::CallbackInfo& info) {
    SandboxRef sandbox = SandboxWrap::unwrap(info[0]);
    int pid = toPid(info[1]);
    return startProcess(info.Env(), toDispatch(info[2]), [sandbox, pid](ProcessCore& core) {
        soulbox_error* err = nullptr;
        return check(soulbox_pty_connect(core.out(), sandbox->get(), pid, onTerminalData,
                                         core.channel(), &err),
                     err);
    });
}

// sendPtyInput(sandbox, pid, bytes)
Napi::Value sendPtyInput(const Napi::CallbackInfo& info) {
    SandboxRef sandbox = SandboxWrap::unwrap(info[0]);
    int pid = toPid(info[1]);
    auto bytes = std::make_shared<std::vector<char>>(toBytes(info[2], "data"));
    return runInPool(info.Env(), [sandbox, pid, bytes] {
        soulbox_error* err = nullptr;
        return check(
            soulbox_pty_send_stdin(sandbox->get(), pid, bytes->data(), bytes->size(), &err), err);
    });
}

// resizePty(sandbox, pid, rows, cols)
Napi::Value resizePty(const Napi::CallbackInfo& info) {
    SandboxRef sandbox = SandboxWrap::unwrap(info[0]);
    int pid = toPid(info[1]);
    uint16_t rows = toDimension(info[2], "rows");
    uint16_t cols = toDimension(info[3], "cols");
    return runInPool(info.Env(), [sandbox, pid, rows, cols] {
        soulbox_error* err = nullptr;
        return check(soulbox_pty_resize(sandbox->get(), pid, rows, cols, &err), err);
    });
}

// killPty(sandbox, pid)
Napi::Value killPty(const Napi::CallbackInfo& info) {
    SandboxRef sandbox = SandboxWrap::unwrap(info[0]);
    int pid = toPid(info[1]);
    return runInPool(info.Env(), [sandbox, pid] {
        soulbox_error* err = nullptr;
        return check(soulbox_pty_kill(sandbox->get(), pid, &err), err);
    });
}

} // namespace

void initPty(Napi::Env env, Napi::Object exports) {
    exports.Set("createPty", Napi::Function::New<createPty>(env, "createPty"));
    exports.Set("connectPty", Napi::Function::New<connectPty>(env, "connectPty"));
    exports.Set("sendPtyInput", Napi::Function::New<sendPtyInput>(env, "sendPtyInput"));
    exports.Set("resizePty", Napi::Function::New<resizePty>(env, "resizePty"));
    exports.Set("killPty", Napi::Function::New<killPty>(env, "killPty"));
}

} // namespace soulbox_node
