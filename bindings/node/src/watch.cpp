// files.watchDir: a soulbox::WatchHandle whose events reach JS through a JsChannel. The channel
// keeps Node alive until stop() (the JS layer also stops it after timeoutMs, as E2B's watch does).
#include "async.hpp"
#include "channel.hpp"
#include "exports.hpp"
#include "sandbox.hpp"

namespace soulbox_node {
namespace {

struct WatchCore {
    WatchCore(Napi::Env env, Napi::Function dispatch) : channel(env, dispatch, "soulbox watch") {}

    // Posts each event as (eventType, name); runs on a library worker thread.
    soulbox::EventCallback forward() {
        return [this](const soulbox::FilesystemEvent& event) {
            channel.postBytes(eventTypeName(event.type), event.name, true);
        };
    }
    soulbox::Status stop() {
        soulbox::Status status = handle->stop();
        channel.retireCallbacks();
        return status;
    }

    // Declared first, destroyed last: the watch (its callback stops) goes before the channel.
    JsChannel channel;
    std::optional<soulbox::WatchHandle> handle; // set by watchDir before JS sees the core
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
    std::string path = toText(info[1], "path");
    bool recursive = info[2].ToBoolean();
    soulbox::FileOptions options = toFileOptions(info[3]);
    if (!info[4].IsFunction()) throw Napi::TypeError::New(env, "onEvent must be a function");
    auto core = std::make_shared<WatchCore>(env, info[4].As<Napi::Function>());
    return queuePoolCall(
        env,
        [sandbox, path, recursive, options, core]() -> soulbox::Status {
            auto watch = sandbox->files().watch_dir(path, recursive, core->forward(), options);
            if (!watch) return std::unexpected(std::move(watch.error()));
            core->handle.emplace(std::move(*watch));
            return {};
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
