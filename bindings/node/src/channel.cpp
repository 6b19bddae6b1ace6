#include "channel.hpp"

namespace soulbox_node {

void deliverMessage(Napi::Env env, Napi::Function dispatch, std::nullptr_t*, Message* raw) {
    std::unique_ptr<Message> message(raw);
    if (env == nullptr) return; // the environment is shutting down: drop it
    Napi::Value payload;
    if (message->make)
        payload = message->make(env);
    else if (message->text)
        payload = Napi::String::New(env, message->bytes);
    else
        payload = Napi::Buffer<char>::Copy(env, message->bytes.data(), message->bytes.size());
    try {
        dispatch.Call({Napi::String::New(env, message->kind), payload});
    } catch (const Napi::Error& error) {
        // The JS layer catches user callback errors itself; anything else is a bug that
        // should surface as an uncaught exception, as in any Node callback.
        error.ThrowAsJavaScriptException();
    }
    if (message->delivered) message->delivered();
}

JsChannel::JsChannel(Napi::Env env, Napi::Function dispatch, const char* name)
    : tsfn_(Tsfn::New(env, dispatch, name, 0 /* unbounded queue */, 1 /* callbacks' share */)) {}

void JsChannel::post(std::unique_ptr<Message> message) {
    if (tsfn_.NonBlockingCall(message.get()) == napi_ok) message.release();
}

void JsChannel::postBytes(const char* kind, std::string_view bytes, bool text) {
    auto message = std::make_unique<Message>();
    message->kind = kind;
    message->bytes.assign(bytes);
    message->text = text;
    post(std::move(message));
}

Tsfn JsChannel::acquire() {
    tsfn_.Acquire();
    return tsfn_;
}

void JsChannel::retireCallbacks() {
    if (!retired_.exchange(true)) tsfn_.Release();
}

} // namespace soulbox_node
