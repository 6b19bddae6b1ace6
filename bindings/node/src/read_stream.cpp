// files.read(path, {format: 'stream'}): Filesystem::read_stream runs on its own thread and
// hands chunks to JS as they come. Its sink may block (it runs on our thread, not the library's
// loop): it holds back while the consumer is paused or while too many chunks are queued for
// the JS thread, so a slow reader bounds memory instead of buffering the whole file.
// While paused the stream does not keep Node alive: a consumer that stopped reading is not
// waiting for it. An abandoned stream should be cancelled; else its thread waits until exit.
#include "channel.hpp"
#include "exports.hpp"
#include "sandbox.hpp"

#include <thread>

namespace soulbox_node {
namespace {

constexpr int kMaxChunksInFlight = 4;

class ReadStreamCore {
public:
    ReadStreamCore(Napi::Env env, Napi::Function dispatch)
        : channel(env, dispatch, "soulbox read stream"), lifetime(addonData(env).lifetime) {}
    ~ReadStreamCore() { lifetime->removeStopper(this); }

    void setPaused(bool value) {
        std::lock_guard lock(mutex);
        paused = value;
        changed.notify_all();
    }
    void cancel() {
        std::lock_guard lock(mutex);
        cancelled = true;
        changed.notify_all();
    }

    // The read's sink: false stops the read early.
    bool deliver(std::string_view chunk);
    static void run(std::shared_ptr<ReadStreamCore> self, SandboxRef sandbox, std::string path,
                    soulbox::FileOptions options);

    JsChannel channel;
    std::shared_ptr<Lifetime> lifetime;
    std::weak_ptr<ReadStreamCore> weak;
    std::mutex mutex;
    std::condition_variable changed;
    bool paused = false;
    bool cancelled = false;
    int inFlight = 0;
    bool ended = false; // JS thread: the last message was delivered
};

bool ReadStreamCore::deliver(std::string_view chunk) {
    {
        std::unique_lock lock(mutex);
        changed.wait(lock,
                     [this] { return cancelled || (!paused && inFlight < kMaxChunksInFlight); });
        if (cancelled) return false; // stop early; the read still succeeds
        ++inFlight;
    }
    auto message = std::make_unique<Message>();
    message->kind = "chunk";
    message->bytes.assign(chunk);
    message->delivered = [weak = weak] {
        if (auto core = weak.lock()) {
            std::lock_guard lock(core->mutex);
            --core->inFlight;
            core->changed.notify_all();
        }
    };
    channel.post(std::move(message));
    return true;
}

void ReadStreamCore::run(std::shared_ptr<ReadStreamCore> self, SandboxRef sandbox, std::string path,
                         soulbox::FileOptions options) {
    soulbox::Status status = sandbox->files().read_stream(
        path, [reader = self.get()](std::string_view chunk) { return reader->deliver(chunk); },
        options);
    auto message = std::make_unique<Message>();
    message->kind = status ? "end" : "error";
    message->make = [status, weak = self->weak](Napi::Env env) {
        // Past this message the channel may be finalized: keepAlive() must not touch it.
        if (auto core = weak.lock()) core->ended = true;
        return status ? env.Undefined() : makeError(env, status.error());
    };
    self->channel.post(std::move(message));
    // The sink will not run again: let go of the channel so it stops keeping Node alive.
    self->channel.retireCallbacks();
    std::shared_ptr<Lifetime> lifetime = self->lifetime;
    self.reset();
    sandbox.reset();
    lifetime->threadFinished();
}

class ReadStreamWrap : public Napi::ObjectWrap<ReadStreamWrap> {
public:
    static Napi::Function define(Napi::Env env) {
        return DefineClass(env, "NativeReadStream",
                           {InstanceMethod<&ReadStreamWrap::pause>("pause"),
                            InstanceMethod<&ReadStreamWrap::resume>("resume"),
                            InstanceMethod<&ReadStreamWrap::cancel>("cancel")});
    }
    explicit ReadStreamWrap(const Napi::CallbackInfo& info)
        : Napi::ObjectWrap<ReadStreamWrap>(info) {
        if (info.Length() != 1 || !info[0].IsExternal())
            throw Napi::TypeError::New(info.Env(), "use files.read(path, {format: 'stream'})");
        core_ = *info[0].As<Napi::External<std::shared_ptr<ReadStreamCore>>>().Data();
    }

private:
    Napi::Value pause(const Napi::CallbackInfo& info) {
        core_->setPaused(true);
        if (!core_->ended) core_->channel.keepAlive(info.Env(), false);
        return info.Env().Undefined();
    }
    Napi::Value resume(const Napi::CallbackInfo& info) {
        core_->setPaused(false);
        if (!core_->ended) core_->channel.keepAlive(info.Env(), true);
        return info.Env().Undefined();
    }
    Napi::Value cancel(const Napi::CallbackInfo& info) {
        core_->cancel();
        return info.Env().Undefined();
    }

    std::shared_ptr<ReadStreamCore> core_;
};

// readStream(sandbox, path, user, dispatch) -> NativeReadStream; dispatch gets 'chunk'
// (Buffer), then 'end' or 'error' (Error).
Napi::Value readStream(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    SandboxRef sandbox = SandboxWrap::unwrap(info[0]);
    std::string path = toText(info[1], "path");
    soulbox::FileOptions options = toFileOptions(info[2]);
    if (!info[3].IsFunction()) throw Napi::TypeError::New(env, "dispatch must be a function");
    auto core = std::make_shared<ReadStreamCore>(env, info[3].As<Napi::Function>());
    core->weak = core;
    Napi::Object wrapper = addonData(env).readStreamClass.New(
        {Napi::External<std::shared_ptr<ReadStreamCore>>::New(env, &core)});
    ReadStreamCore* raw = core.get();
    core->lifetime->addStopper(raw, [raw] { raw->cancel(); });
    core->lifetime->threadStarted();
    std::thread(ReadStreamCore::run, std::move(core), std::move(sandbox), std::move(path),
                std::move(options))
        .detach();
    return wrapper;
}

} // namespace

Napi::Function defineReadStream(Napi::Env env) {
    return ReadStreamWrap::define(env);
}

void initReadStream(Napi::Env env, Napi::Object exports) {
    exports.Set("readStream", Napi::Function::New<readStream>(env, "readStream"));
}

} // namespace soulbox_node
