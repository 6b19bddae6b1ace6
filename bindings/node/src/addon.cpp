// Module entry: classes, functions, the error factory hook, and the shutdown hook.
#include "exports.hpp"
#include "process.hpp"
#include "sandbox.hpp"

namespace soulbox_node {
namespace {

// configure({makeError}): the JS layer hands over its error factory, so errors are created as
// instances of its classes (SandboxError, TimeoutError, ...) straight from C++.
Napi::Value configure(const Napi::CallbackInfo& info) {
    if (!info[0].IsObject() || !info[0].As<Napi::Object>().Get("makeError").IsFunction())
        throw Napi::TypeError::New(info.Env(), "configure({makeError}) needs a function");
    addonData(info.Env()).errorFactory =
        Napi::Persistent(info[0].As<Napi::Object>().Get("makeError").As<Napi::Function>());
    return info.Env().Undefined();
}

Napi::Value version(const Napi::CallbackInfo& info) {
    return Napi::String::New(info.Env(), soulbox_version());
}

} // namespace

Napi::Object init(Napi::Env env, Napi::Object exports) {
    if (soulbox_version_check(SOULBOX_VERSION_MAJOR, SOULBOX_VERSION_MINOR) != SOULBOX_OK)
        throw Napi::Error::New(env, "libsoulbox version mismatch");
    auto* data = new AddonData();
    env.SetInstanceData(data);
    // Before Node tears the environment down: disconnect processes and cancel reads so their
    // threads leave the library, and wait (bounded) for them.
    env.AddCleanupHook([lifetime = data->lifetime] { lifetime->shutdown(); });

    Napi::Function sandbox = SandboxWrap::define(env);
    data->sandboxClass = Napi::Persistent(sandbox);
    data->processClass = Napi::Persistent(ProcessWrap::define(env));
    data->watchClass = Napi::Persistent(defineWatch(env));
    data->readStreamClass = Napi::Persistent(defineReadStream(env));
    exports.Set("NativeSandbox", sandbox);
    exports.Set("configure", Napi::Function::New<configure>(env, "configure"));
    exports.Set("version", Napi::Function::New<version>(env, "version"));
    initCommands(env, exports);
    initPty(env, exports);
    initFiles(env, exports);
    initReadStream(env, exports);
    initWatch(env, exports);
    return exports;
}

} // namespace soulbox_node

// NODE_API_MODULE needs an unqualified name.
static Napi::Object initSoulbox(Napi::Env env, Napi::Object exports) {
    return soulbox_node::init(env, exports);
}
NODE_API_MODULE(soulbox, initSoulbox)
