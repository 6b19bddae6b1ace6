#include "common.hpp"

#include <chrono>
#include <cmath>
#include <utility>

namespace soulbox_node {

void Lifetime::threadStarted() {
    std::lock_guard lock(mutex_);
    ++threads_;
}

void Lifetime::threadFinished() {
    std::lock_guard lock(mutex_);
    if (--threads_ == 0) idle_.notify_all();
}

void Lifetime::addStopper(const void* key, std::function<void()> stop) {
    std::lock_guard lock(mutex_);
    stoppers_[key] = std::move(stop);
}

void Lifetime::removeStopper(const void* key) {
    std::lock_guard lock(mutex_);
    stoppers_.erase(key);
}

void Lifetime::shutdown() {
    std::unique_lock lock(mutex_);
    // Stoppers run under the lock: an object removes itself (under the same lock) before it
    // frees its handle, so a stopper never touches a freed handle.
    for (auto& [key, stop] : stoppers_)
        stop();
    stoppers_.clear();
    // Bounded: a thread stuck in the library must not hang the exit of Node.
    idle_.wait_for(lock, std::chrono::seconds(5), [this] { return threads_ == 0; });
}

AddonData& addonData(Napi::Env env) {
    return *env.GetInstanceData<AddonData>();
}

Napi::Value makeError(Napi::Env env, const soulbox::Error& error) {
    AddonData& data = addonData(env);
    if (data.errorFactory.IsEmpty()) return Napi::Error::New(env, error.message).Value();
    return data.errorFactory.Call({Napi::Number::New(env, static_cast<int>(error.code)),
                                   Napi::String::New(env, error.message),
                                   Napi::Number::New(env, error.sys_errno),
                                   Napi::Number::New(env, static_cast<int>(error.subject))});
}

std::string toText(const Napi::Value& value, const char* what) {
    if (!value.IsString())
        throw Napi::TypeError::New(value.Env(), std::string(what) + " must be a string");
    std::string text = value.As<Napi::String>().Utf8Value();
    if (text.find('\0') != std::string::npos)
        throw Napi::TypeError::New(value.Env(),
                                   std::string(what) + " must not contain NUL characters");
    return text;
}

std::optional<std::string> toOptionalText(const Napi::Value& value, const char* what) {
    if (value.IsUndefined() || value.IsNull()) return std::nullopt;
    return toText(value, what);
}

void setText(std::string& field, const Napi::Value& value, const char* what) {
    if (auto text = toOptionalText(value, what)) field = std::move(*text);
}

int64_t toInteger(const Napi::Value& value, const char* what, int64_t min, int64_t max) {
    if (!value.IsNumber())
        throw Napi::TypeError::New(value.Env(), std::string(what) + " must be a number");
    double number = value.As<Napi::Number>().DoubleValue();
    if (!std::isfinite(number) || std::trunc(number) != number ||
        number < static_cast<double>(min) || number > static_cast<double>(max))
        throw Napi::RangeError::New(value.Env(), std::string(what) + " must be an integer from " +
                                                     std::to_string(min) + " to " +
                                                     std::to_string(max));
    return static_cast<int64_t>(number);
}

std::string toBytes(const Napi::Value& value, const char* what) {
    if (value.IsTypedArray()) {
        auto array = value.As<Napi::TypedArray>();
        auto* base = static_cast<const char*>(array.ArrayBuffer().Data()) + array.ByteOffset();
        return {base, array.ByteLength()};
    }
    if (value.IsDataView()) {
        auto view = value.As<Napi::DataView>();
        auto* base = static_cast<const char*>(view.ArrayBuffer().Data()) + view.ByteOffset();
        return {base, view.ByteLength()};
    }
    if (value.IsArrayBuffer()) {
        auto buffer = value.As<Napi::ArrayBuffer>();
        return {static_cast<const char*>(buffer.Data()), buffer.ByteLength()};
    }
    throw Napi::TypeError::New(value.Env(),
                               std::string(what) + " must be a Uint8Array, Buffer or ArrayBuffer");
}

soulbox::StringMap toStringMap(const Napi::Value& value, const char* what) {
    soulbox::StringMap map;
    if (value.IsUndefined() || value.IsNull()) return map;
    if (!value.IsObject() || value.IsArray())
        throw Napi::TypeError::New(value.Env(), std::string(what) + " must be an object");
    auto object = value.As<Napi::Object>();
    Napi::Array keys = object.GetPropertyNames();
    for (uint32_t i = 0; i < keys.Length(); ++i) {
        Napi::Value key = keys.Get(i);
        std::string name = toText(key, what);
        std::string label = std::string(what) + "." + name;
        map.insert_or_assign(std::move(name), toText(object.Get(key), label.c_str()));
    }
    return map;
}

soulbox::FileOptions toFileOptions(const Napi::Value& user) {
    soulbox::FileOptions options;
    setText(options.user, user, "user");
    return options;
}

} // namespace soulbox_node
