// sandbox.pty: terminals are processes (NativeProcess) whose output arrives as 'data' bytes.
#include "async.hpp"
#include "exports.hpp"
#include "process.hpp"

#include <limits>

namespace soulbox_node {
namespace {

uint16_t toDimension(const Napi::Value& value, const char* what) {
    return static_cast<uint16_t>(toInteger(value, what, 0, std::numeric_limits<uint16_t>::max()));
}

soulbox::PtyOptions toPtyOptions(const Napi::Value& value) {
    if (!value.IsObject()) throw Napi::TypeError::New(value.Env(), "options must be an object");
    auto opts = value.As<Napi::Object>();
    soulbox::PtyOptions options;
    options.size.cols = toDimension(opts.Get("cols"), "cols");
    options.size.rows = toDimension(opts.Get("rows"), "rows");
    options.envs = toStringMap(opts.Get("envs"), "envs");
    setText(options.cwd, opts.Get("cwd"), "cwd");
    setText(options.user, opts.Get("user"), "user");
    if (Napi::Value t = opts.Get("timeoutMs"); !t.IsUndefined()) options.timeout = toTimeoutMs(t);
    return options;
}

// createPty(sandbox, {cols, rows, envs, cwd, user, timeoutMs}, dispatch) -> NativeProcess
Napi::Value createPty(const Napi::CallbackInfo& info) {
    SandboxRef sandbox = SandboxWrap::unwrap(info[0]);
    soulbox::PtyOptions options = toPtyOptions(info[1]);
    return startProcess(info.Env(), toDispatch(info[2]),
                        [sandbox, options](JsChannel& channel) mutable {
                            options.on_data = channel.forward("data");
                            return sandbox->pty().create(std::move(options));
                        });
}

// connectPty(sandbox, pid, dispatch) -> NativeProcess
Napi::Value connectPty(const Napi::CallbackInfo& info) {
    SandboxRef sandbox = SandboxWrap::unwrap(info[0]);
    int pid = toPid(info[1]);
    return startProcess(info.Env(), toDispatch(info[2]), [sandbox, pid](JsChannel& channel) {
        return sandbox->pty().connect(pid, channel.forward("data"));
    });
}

// sendPtyInput(sandbox, pid, bytes)
Napi::Value sendPtyInput(const Napi::CallbackInfo& info) {
    return runInPool(info.Env(), [sandbox = SandboxWrap::unwrap(info[0]), pid = toPid(info[1]),
                                  bytes = toBytes(info[2], "data")] {
        return sandbox->pty().send_stdin(pid, bytes);
    });
}

// resizePty(sandbox, pid, rows, cols)
Napi::Value resizePty(const Napi::CallbackInfo& info) {
    soulbox::PtySize size{toDimension(info[2], "rows"), toDimension(info[3], "cols")};
    return runInPool(info.Env(), [sandbox = SandboxWrap::unwrap(info[0]), pid = toPid(info[1]),
                                  size] { return sandbox->pty().resize(pid, size); });
}

// killPty(sandbox, pid)
Napi::Value killPty(const Napi::CallbackInfo& info) {
    return runInPool(info.Env(), [sandbox = SandboxWrap::unwrap(info[0]), pid = toPid(info[1])] {
        return sandbox->pty().kill(pid);
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
