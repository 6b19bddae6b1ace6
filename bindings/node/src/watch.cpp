// files.watchDir: a soulbox_watch whose events reach JS through a JsChannel. The channel keeps
// Node alive until stop() (the JS layer also stops it after timeoutMs, as E2B's watch does).
#include "async.hpp"
#include "channel.hpp"
#include "exports.hpp"
#include "sandbox.hpp"

namespace soulbox_node {
namespace {

const char* eventName(soulbox_event_type type) {
    switch (type) {
    case SOULBOX_EVENT_CREATE:
        return "create";
    case SOULBOX_EVENT_WRITE:
        return "write";
    case SOULBOX_EVENT_REMOVE:
        return "remove";
    case SOULBOX_EVENT_RENAME:
        return "rename";
    case SOULBOX_EVENT_CHMOD:
        return "chmod";
    }
    return "unknown";
}

void onEvent(soulbox_event_type type, const char* name, void* channel) {
    std::string_view text(name ? name : "");
    static_cast<JsChannel*>(channel)->postBytes(eventName(type), text.data(), text.size(), true);
}

struct WatchCore {
    WatchCore(Napi::Env env, Napi::Function dispatch) : channel(env, dispatch, "soulbox watch") {}
    // Stops the watch (on_event has stopped when it returns) before ~JsChannel retires it.
    ~WatchCore() { soulbox_watch_free(handle); }

    Status stop() {
        soulbox_error* err = nullptr;
        Status status = check(soulbox_watch_stop(handle, &err), err);
        channel.retireCallbacks();
        return status;
    }

    JsChannel channel; // ~WatchCore frees the watch before members are destroyed
    soulbox_watch* handle = nullptr;
};
using WatchRef = std::shared_ptr<WatchCore>;

class WatchWrap : public Napi::ObjectWrap<WatchWrap> {
public:
    static Napi::Function define(Napi::Env env) {
        return DefineClass(env, "NativeWatch", {InstanceMethod<&WatchWrap::stop>("stop")});
    }
    explicit WatchWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<WatchWrap>(info) {
        if (info.Length() != 1 || !info[0].IsExternal())
            throw Napi::TypeError::New(info.Env(), "use files.watchDir()");
        core_ = *info[0].As<Napi::External<WatchRef>>().Data();
    }

private:
    Napi::Value stop(const Napi::CallbackInfo& info) {
        return runInPool(info.Env(), [core = core_] { return core->stop(); });
    }

    WatchRef core_;
};

// watchDir(sandbox, path, recursive, user, dispatch) -> Promise<NativeWatch>; dispatch gets
// (eventType, name).
Napi::Value watchDir(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    SandboxRef sandbox = SandboxWrap::unwrap(info[0]);
    auto path = std::make_shared<std::string>(toText(info[1], "path"));
    bool recursive = info[2].ToBoolean();
    auto user = std::make_shared<OptionalText>();
    user->value = toOptionalText(info[3], "user");
    if (!info[4].IsFunction()) throw Napi::TypeError::New(env, "onEvent must be a function");
    auto core = std::make_shared<WatchCore>(env, info[4].As<Napi::Function>());
    return runInPool(
        env,
        [sandbox, path, recursive, user, core] {
            soulbox_file_options options;
            soulbox_file_options_init(&options);
            options.user = user->get();
            soulbox_error* err = nullptr;
            return check(soulbox_files_watch_dir(&core->handle, sandbox->get(), path->c_str(),
                                                 recursive ? 1 : 0, onEvent, &core->channel,
                                                 &options, &err),
                         err);
        },
        [core](Napi::Env e) -> Napi::Value {
            WatchRef ref = core; // the wrapper copies it during New
            return addonData(e).watchClass.New({Napi::External<WatchRef>::New(e, &ref)});
        });
}

} // namespace

Napi::Function defineWatch(Napi::Env env) {
    return WatchWrap::define(env);
}

void initWatch(Napi::Env env, Napi::Object exports) {
    exports.Set("watchDir", Napi::Function::New<watchDir>(env, "watchDir"));
}

} // namespace soulbox_node
