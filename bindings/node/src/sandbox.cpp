#include "sandbox.hpp"

#include "async.hpp"

#include <chrono>
#include <limits>

namespace soulbox_node {
namespace {

// A limit option: undefined/null = the library default, else a non-negative byte/pid count.
std::optional<uint64_t> toLimit(const Napi::Object& opts, const char* key) {
    Napi::Value value = opts.Get(key);
    if (value.IsUndefined() || value.IsNull()) return std::nullopt;
    // 2^53: the largest integer a JS number holds exactly.
    return static_cast<uint64_t>(toInteger(value, key, 0, int64_t{1} << 53));
}

std::chrono::seconds toTimeoutSeconds(const Napi::Value& value) {
    return std::chrono::seconds(
        toInteger(value, "timeoutSeconds", 0, std::numeric_limits<int32_t>::max()));
}

soulbox::SandboxOptions toSandboxOptions(const Napi::Value& value) {
    soulbox::SandboxOptions options;
    if (value.IsUndefined() || value.IsNull()) return options;
    if (!value.IsObject()) throw Napi::TypeError::New(value.Env(), "options must be an object");
    auto opts = value.As<Napi::Object>();
    setText(options.template_name, opts.Get("template"), "template");
    setText(options.hostname, opts.Get("hostname"), "hostname");
    options.envs = toStringMap(opts.Get("envs"), "envs");
    options.metadata = toStringMap(opts.Get("metadata"), "metadata");
    if (Napi::Value t = opts.Get("timeoutSeconds"); !t.IsUndefined())
        options.timeout = toTimeoutSeconds(t);
    auto& limits = options.limits;
    limits.memory_bytes = toLimit(opts, "memoryBytes");
    limits.pids = toLimit(opts, "pids");
    limits.disk_bytes = toLimit(opts, "diskBytes");
    if (Napi::Value cpus = opts.Get("cpus"); !cpus.IsUndefined() && !cpus.IsNull()) {
        if (!cpus.IsNumber()) throw Napi::TypeError::New(value.Env(), "cpus must be a number");
        double n = cpus.As<Napi::Number>().DoubleValue();
        if (!(n >= 0) || n > 4096) throw Napi::RangeError::New(value.Env(), "cpus must be >= 0");
        limits.cpus = n;
    }
    return options;
}

// A new sandbox (create, connect) becomes a NativeSandbox.
Napi::Value wrapNew(Napi::Env env, soulbox::Sandbox& sandbox) {
    return SandboxWrap::wrap(env, std::make_shared<soulbox::Sandbox>(std::move(sandbox)));
}

} // namespace

Napi::Function SandboxWrap::define(Napi::Env env) {
    return DefineClass(
        env, "NativeSandbox",
        {StaticMethod<&SandboxWrap::create>("create"),
         StaticMethod<&SandboxWrap::connect>("connect"), StaticMethod<&SandboxWrap::list>("list"),
         InstanceAccessor<&SandboxWrap::id>("id"), InstanceMethod<&SandboxWrap::kill>("kill"),
         InstanceMethod<&SandboxWrap::isRunning>("isRunning"),
         InstanceMethod<&SandboxWrap::setTimeout>("setTimeout"),
         InstanceMethod<&SandboxWrap::getInfo>("getInfo")});
}

SandboxWrap::SandboxWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<SandboxWrap>(info) {
    // Only wrap() constructs these, passing the sandbox in an External.
    if (info.Length() != 1 || !info[0].IsExternal())
        throw Napi::TypeError::New(info.Env(), "use Sandbox.create() or Sandbox.connect()");
    sandbox_ = *info[0].As<Napi::External<SandboxRef>>().Data();
}

Napi::Object SandboxWrap::wrap(Napi::Env env, SandboxRef sandbox) {
    // The External lives only for the constructor call; the wrapper copies the pointer.
    Napi::External<SandboxRef> external = Napi::External<SandboxRef>::New(env, &sandbox);
    return addonData(env).sandboxClass.New({external});
}

SandboxRef SandboxWrap::unwrap(const Napi::Value& value) {
    Napi::Env env = value.Env();
    if (!value.IsObject() ||
        !value.As<Napi::Object>().InstanceOf(addonData(env).sandboxClass.Value()))
        throw Napi::TypeError::New(env, "expected a NativeSandbox");
    return Unwrap(value.As<Napi::Object>())->sandbox_;
}

Napi::Value SandboxWrap::create(const Napi::CallbackInfo& info) {
    return runInPool(
        info.Env(),
        [options = toSandboxOptions(info[0])] { return soulbox::Sandbox::create(options); },
        wrapNew);
}

Napi::Value SandboxWrap::connect(const Napi::CallbackInfo& info) {
    return runInPool(
        info.Env(), [id = toText(info[0], "sandboxId")] { return soulbox::Sandbox::connect(id); },
        wrapNew);
}

Napi::Value SandboxWrap::list(const Napi::CallbackInfo& info) {
    return runInPool(info.Env(), [] { return soulbox::Sandbox::list(); });
}

Napi::Value SandboxWrap::id(const Napi::CallbackInfo& info) {
    return Napi::String::New(info.Env(), sandbox_->id());
}

Napi::Value SandboxWrap::kill(const Napi::CallbackInfo& info) {
    return runInPool(info.Env(), [sandbox = sandbox_] { return sandbox->kill(); });
}

Napi::Value SandboxWrap::isRunning(const Napi::CallbackInfo& info) {
    // is_running() cannot fail (the C call only checks its arguments).
    return runInPool(info.Env(),
                     [sandbox = sandbox_] { return soulbox::Result<bool>(sandbox->is_running()); });
}

Napi::Value SandboxWrap::setTimeout(const Napi::CallbackInfo& info) {
    return runInPool(info.Env(), [sandbox = sandbox_, timeout = toTimeoutSeconds(info[0])] {
        return sandbox->set_timeout(timeout);
    });
}

Napi::Value SandboxWrap::getInfo(const Napi::CallbackInfo& info) {
    return runInPool(info.Env(), [sandbox = sandbox_] { return sandbox->info(); });
}

} // namespace soulbox_node
