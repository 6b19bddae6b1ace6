#include "sandbox.hpp"

#include "async.hpp"

#include <limits>

namespace soulbox_node {
namespace {

using InfoPtr = Owned<soulbox_sandbox_info, soulbox_sandbox_info_free>;
using InfoListPtr = Owned<soulbox_sandbox_info_list, soulbox_sandbox_info_list_free>;

const char* stateName(soulbox_sandbox_state state) {
    switch (state) {
    case SOULBOX_SANDBOX_RUNNING:
        return "running";
    case SOULBOX_SANDBOX_FOREIGN:
        return "foreign";
    case SOULBOX_SANDBOX_STOPPED:
        break;
    }
    return "stopped";
}

Napi::Object infoToJs(Napi::Env env, const soulbox_sandbox_info* info) {
    Napi::Object object = Napi::Object::New(env);
    object.Set("sandboxId", soulbox_sandbox_info_id(info));
    object.Set("templateId", soulbox_sandbox_info_template(info));
    Napi::Object metadata = Napi::Object::New(env);
    for (size_t i = 0, n = soulbox_sandbox_info_metadata_count(info); i < n; ++i)
        metadata.Set(soulbox_sandbox_info_metadata_key(info, i),
                     soulbox_sandbox_info_metadata_value(info, i));
    object.Set("metadata", metadata);
    object.Set("startedAtMs", static_cast<double>(soulbox_sandbox_info_started_at_ms(info)));
    object.Set("endAtMs", static_cast<double>(soulbox_sandbox_info_end_at_ms(info)));
    object.Set("state", stateName(soulbox_sandbox_info_state(info)));
    object.Set("foreignReason", soulbox_sandbox_info_foreign_reason(info));
    object.Set("agentProtocolVersion", soulbox_sandbox_info_agent_protocol_version(info));
    object.Set("rootless", soulbox_sandbox_info_rootless(info) != 0);
    object.Set("memoryBytes", static_cast<double>(soulbox_sandbox_info_memory_bytes(info)));
    object.Set("pids", static_cast<double>(soulbox_sandbox_info_pids(info)));
    object.Set("cpus", soulbox_sandbox_info_cpus(info));
    object.Set("diskBytes", static_cast<double>(soulbox_sandbox_info_disk_bytes(info)));
    object.Set("cgroup", soulbox_sandbox_info_cgroup(info));
    object.Set("limitsNote", soulbox_sandbox_info_limits_note(info));
    return object;
}

// A limit option: undefined/null = the library default, else a non-negative byte/pid count.
uint64_t toLimit(const Napi::Object& opts, const char* key) {
    Napi::Value value = opts.Get(key);
    if (value.IsUndefined() || value.IsNull()) return SOULBOX_LIMIT_DEFAULT;
    // 2^53: the largest integer a JS number holds exactly.
    return static_cast<uint64_t>(toInteger(value, key, 0, int64_t{1} << 53));
}

// The create options, owning every string the C struct points to.
struct CreateRequest {
    OptionalText templateName;
    OptionalText hostname;
    KeyValues envs;
    KeyValues metadata;
    soulbox_sandbox_options options{};
};

std::shared_ptr<CreateRequest> toCreateRequest(const Napi::Value& value) {
    auto request = std::make_shared<CreateRequest>();
    soulbox_sandbox_options_init(&request->options);
    if (value.IsUndefined() || value.IsNull()) return request;
    if (!value.IsObject()) throw Napi::TypeError::New(value.Env(), "options must be an object");
    auto opts = value.As<Napi::Object>();
    request->templateName.value = toOptionalText(opts.Get("template"), "template");
    request->hostname.value = toOptionalText(opts.Get("hostname"), "hostname");
    request->envs = KeyValues(opts.Get("envs"), "envs");
    request->metadata = KeyValues(opts.Get("metadata"), "metadata");
    soulbox_sandbox_options& o = request->options;
    o.template_name = request->templateName.get();
    o.hostname = request->hostname.get();
    o.envs = request->envs.data();
    o.envs_count = request->envs.size();
    o.metadata = request->metadata.data();
    o.metadata_count = request->metadata.size();
    if (Napi::Value t = opts.Get("timeoutSeconds"); !t.IsUndefined())
        o.timeout_seconds = toInteger(t, "timeoutSeconds", 0, std::numeric_limits<int32_t>::max());
    o.memory_bytes = toLimit(opts, "memoryBytes");
    o.pids = toLimit(opts, "pids");
    o.disk_bytes = toLimit(opts, "diskBytes");
    if (Napi::Value cpus = opts.Get("cpus"); !cpus.IsUndefined() && !cpus.IsNull()) {
        if (!cpus.IsNumber()) throw Napi::TypeError::New(value.Env(), "cpus must be a number");
        double n = cpus.As<Napi::Number>().DoubleValue();
        if (!(n >= 0) || n > 4096) throw Napi::RangeError::New(value.Env(), "cpus must be >= 0");
        o.cpus = n;
    }
    return request;
}

// A call that yields a new sandbox handle (create, connect).
struct HandleResult {
    soulbox_sandbox* handle = nullptr; // adopted by done()
    ~HandleResult() { soulbox_sandbox_free(handle); }
};

Napi::Value resolveHandle(Napi::Env env, HandleResult& result) {
    auto core = std::make_shared<SandboxCore>(std::exchange(result.handle, nullptr));
    return SandboxWrap::wrap(env, std::move(core));
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
    // Only wrap() constructs these, passing the core in an External.
    if (info.Length() != 1 || !info[0].IsExternal())
        throw Napi::TypeError::New(info.Env(), "use Sandbox.create() or Sandbox.connect()");
    core_ = *info[0].As<Napi::External<SandboxRef>>().Data();
}

Napi::Object SandboxWrap::wrap(Napi::Env env, SandboxRef core) {
    // The External lives only for the constructor call; the wrapper copies the pointer.
    Napi::External<SandboxRef> external = Napi::External<SandboxRef>::New(env, &core);
    return addonData(env).sandboxClass.New({external});
}

SandboxRef SandboxWrap::unwrap(const Napi::Value& value) {
    Napi::Env env = value.Env();
    if (!value.IsObject() ||
        !value.As<Napi::Object>().InstanceOf(addonData(env).sandboxClass.Value()))
        throw Napi::TypeError::New(env, "expected a NativeSandbox");
    return Unwrap(value.As<Napi::Object>())->core_;
}

Napi::Value SandboxWrap::create(const Napi::CallbackInfo& info) {
    auto request = toCreateRequest(info[0]);
    auto result = std::make_shared<HandleResult>();
    return runInPool(
        info.Env(),
        [request, result] {
            soulbox_error* err = nullptr;
            return check(soulbox_sandbox_create(&result->handle, &request->options, &err), err);
        },
        [result](Napi::Env env) { return resolveHandle(env, *result); });
}

Napi::Value SandboxWrap::connect(const Napi::CallbackInfo& info) {
    auto id = std::make_shared<std::string>(toText(info[0], "sandboxId"));
    auto result = std::make_shared<HandleResult>();
    return runInPool(
        info.Env(),
        [id, result] {
            soulbox_error* err = nullptr;
            return check(soulbox_sandbox_connect(&result->handle, id->c_str(), &err), err);
        },
        [result](Napi::Env env) { return resolveHandle(env, *result); });
}

Napi::Value SandboxWrap::list(const Napi::CallbackInfo& info) {
    auto list = std::make_shared<InfoListPtr>();
    return runInPool(
        info.Env(),
        [list] {
            soulbox_sandbox_info_list* out = nullptr;
            soulbox_error* err = nullptr;
            Status status = check(soulbox_sandbox_list(&out, &err), err);
            list->reset(out);
            return status;
        },
        [list](Napi::Env env) -> Napi::Value {
            size_t count = soulbox_sandbox_info_list_count(list->get());
            Napi::Array array = Napi::Array::New(env, count);
            for (size_t i = 0; i < count; ++i)
                array.Set(static_cast<uint32_t>(i),
                          infoToJs(env, soulbox_sandbox_info_list_get(list->get(), i)));
            return array;
        });
}

Napi::Value SandboxWrap::id(const Napi::CallbackInfo& info) {
    return Napi::String::New(info.Env(), soulbox_sandbox_id(core_->get()));
}

Napi::Value SandboxWrap::kill(const Napi::CallbackInfo& info) {
    return runInPool(info.Env(), [core = core_] {
        soulbox_error* err = nullptr;
        return check(soulbox_sandbox_kill(core->get(), &err), err);
    });
}

Napi::Value SandboxWrap::isRunning(const Napi::CallbackInfo& info) {
    auto running = std::make_shared<int>(0);
    return runInPool(
        info.Env(),
        [core = core_, running] {
            soulbox_error* err = nullptr;
            return check(soulbox_sandbox_is_running(running.get(), core->get(), &err), err);
        },
        [running](Napi::Env env) { return Napi::Boolean::New(env, *running != 0); });
}

Napi::Value SandboxWrap::setTimeout(const Napi::CallbackInfo& info) {
    int64_t seconds = toInteger(info[0], "timeoutSeconds", 0, std::numeric_limits<int32_t>::max());
    return runInPool(info.Env(), [core = core_, seconds] {
        soulbox_error* err = nullptr;
        return check(soulbox_sandbox_set_timeout(core->get(), seconds, &err), err);
    });
}

Napi::Value SandboxWrap::getInfo(const Napi::CallbackInfo& info) {
    auto result = std::make_shared<InfoPtr>();
    return runInPool(
        info.Env(),
        [core = core_, result] {
            soulbox_sandbox_info* out = nullptr;
            soulbox_error* err = nullptr;
            Status status = check(soulbox_sandbox_get_info(&out, core->get(), &err), err);
            result->reset(out);
            return status;
        },
        [result](Napi::Env env) { return infoToJs(env, result->get()); });
}

} // namespace soulbox_node
