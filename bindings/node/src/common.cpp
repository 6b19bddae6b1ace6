#include "common.hpp"

#include <chrono>
#include <cmath>
#include <limits>

namespace soulbox_node {

Status check(int rc, soulbox_error*& err) {
    ErrorPtr owned(std::exchange(err, nullptr));
    Status status;
    status.code = rc;
    if (rc != SOULBOX_OK) {
        status.errnum = soulbox_error_errno(owned.get());
        status.message = owned ? soulbox_error_message(owned.get()) : soulbox_errc_name(rc);
        status.subject = soulbox_error_subject(owned.get());
    }
    return status;
}

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
    // frees its C handle, so a stopper never touches a freed handle.
    for (auto& [key, stop] : stoppers_)
        stop();
    stoppers_.clear();
    // Bounded: a thread stuck in the library must not hang the exit of Node.
    idle_.wait_for(lock, std::chrono::seconds(5), [this] { return threads_ == 0; });
}

AddonData& addonData(Napi::Env env) {
    return *env.GetInstanceData<AddonData>();
}

Napi::Value makeError(Napi::Env env, const Status& status) {
    AddonData& data = addonData(env);
    if (data.errorFactory.IsEmpty()) return Napi::Error::New(env, status.message).Value();
    return data.errorFactory.Call(
        {Napi::Number::New(env, status.code), Napi::String::New(env, status.message),
         Napi::Number::New(env, status.errnum), Napi::Number::New(env, status.subject)});
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

std::vector<char> toBytes(const Napi::Value& value, const char* what) {
    if (value.IsTypedArray()) {
        auto array = value.As<Napi::TypedArray>();
        auto* base = static_cast<const char*>(array.ArrayBuffer().Data()) + array.ByteOffset();
        return {base, base + array.ByteLength()};
    }
    if (value.IsDataView()) {
        auto view = value.As<Napi::DataView>();
        auto* base = static_cast<const char*>(view.ArrayBuffer().Data()) + view.ByteOffset();
        return {base, base + view.ByteLength()};
    }
    if (value.IsArrayBuffer()) {
        auto buffer = value.As<Napi::ArrayBuffer>();
        auto* base = static_cast<const char*>(buffer.Data());
        return {base, base + buffer.ByteLength()};
    }
    throw Napi::TypeError::New(value.Env(),
                               std::string(what) + " must be a Uint8Array, Buffer or ArrayBuffer");
}

KeyValues::KeyValues(const Napi::Value& value, const char* what) {
    if (value.IsUndefined() || value.IsNull()) return;
    if (!value.IsObject() || value.IsArray())
        throw Napi::TypeError::New(value.Env(), std::string(what) + " must be an object");
    auto object = value.As<Napi::Object>();
    Napi::Array keys = object.GetPropertyNames();
    strings_.reserve(keys.Length());
    for (uint32_t i = 0; i < keys.Length(); ++i) {
        Napi::Value key = keys.Get(i);
        std::string name = toText(key, what);
        std::string label = std::string(what) + "." + name;
        strings_.emplace_back(std::move(name), toText(object.Get(key), label.c_str()));
    }
    kvs_.reserve(strings_.size());
    for (auto& [k, v] : strings_)
        kvs_.push_back({k.c_str(), v.c_str()});
}

namespace {
const char* fileTypeName(soulbox_file_type type) {
    switch (type) {
    case SOULBOX_FILE_TYPE_FILE:
        return "file";
    case SOULBOX_FILE_TYPE_DIR:
        return "dir";
    case SOULBOX_FILE_TYPE_SYMLINK:
        return "symlink";
    case SOULBOX_FILE_TYPE_OTHER:
        break;
    }
    return "other";
}
} // namespace

Napi::Object entryToJs(Napi::Env env, const soulbox_entry* entry) {
    Napi::Object object = Napi::Object::New(env);
    object.Set("name", soulbox_entry_name(entry));
    object.Set("type", fileTypeName(soulbox_entry_type(entry)));
    object.Set("path", soulbox_entry_path(entry));
    object.Set("size", static_cast<double>(soulbox_entry_size(entry)));
    object.Set("mode", soulbox_entry_mode(entry));
    object.Set("permissions", soulbox_entry_permissions(entry));
    object.Set("owner", soulbox_entry_owner(entry));
    object.Set("group", soulbox_entry_group(entry));
    object.Set("modifiedTime",
               Napi::Date::New(env, static_cast<double>(soulbox_entry_modified_time_ms(entry))));
    const char* target = soulbox_entry_symlink_target(entry);
    object.Set("symlinkTarget",
               target ? Napi::Value(Napi::String::New(env, target)) : env.Undefined());
    return object;
}

Napi::Array entryListToJs(Napi::Env env, const soulbox_entry_list* list) {
    size_t count = soulbox_entry_list_count(list);
    Napi::Array array = Napi::Array::New(env, count);
    for (size_t i = 0; i < count; ++i)
        array.Set(static_cast<uint32_t>(i), entryToJs(env, soulbox_entry_list_get(list, i)));
    return array;
}

} // namespace soulbox_node
