// Shared pieces of the addon: the per-environment data every file reaches through Napi::Env,
// the one translation from soulbox::Error to the JS error classes, and argument conversion.
#pragma once

#include <napi.h>
#include <soulbox/soulbox.hpp>

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace soulbox_node {

// Stops what outlives a call (process waiters, read streams) when the environment shuts down,
// so no thread still runs inside the library when Node tears down (see addon.cpp).
class Lifetime {
public:
    // A background thread is about to start / has finished all its work.
    void threadStarted();
    void threadFinished();
    // Something that can be told to finish early (disconnect a process, cancel a read).
    void addStopper(const void* key, std::function<void()> stop);
    void removeStopper(const void* key);
    // Runs every stopper, then waits (bounded) for background threads to finish.
    void shutdown();

private:
    std::mutex mutex_;
    std::condition_variable idle_;
    int threads_ = 0;
    std::unordered_map<const void*, std::function<void()>> stoppers_;
};

// Per-environment data (Napi::Env::GetInstanceData).
struct AddonData {
    Napi::FunctionReference errorFactory; // (code, message, errno, subject) => Error, from JS
    Napi::FunctionReference sandboxClass;
    Napi::FunctionReference processClass;
    Napi::FunctionReference watchClass;
    Napi::FunctionReference readStreamClass;
    std::shared_ptr<Lifetime> lifetime = std::make_shared<Lifetime>();
};
AddonData& addonData(Napi::Env env);

// The JS error for a failed call: an instance of the JS layer's error classes, picked from the
// code and the subject by lib/errors.js (the same table as the Python binding's).
Napi::Value makeError(Napi::Env env, const soulbox::Error& error);

// ---- argument conversion: wrong input is a TypeError / RangeError, never a crash ----

// A string without NUL characters (the C API takes NUL-terminated text).
std::string toText(const Napi::Value& value, const char* what);
// undefined/null -> nullopt; otherwise as toText.
std::optional<std::string> toOptionalText(const Napi::Value& value, const char* what);
// An optional text option: `field` keeps its default when the value is undefined/null.
void setText(std::string& field, const Napi::Value& value, const char* what);
// An integer in [min, max].
int64_t toInteger(const Napi::Value& value, const char* what, int64_t min, int64_t max);
// Bytes of a Buffer, TypedArray, DataView or ArrayBuffer, copied (the call runs on another
// thread while JS may change the original).
std::string toBytes(const Napi::Value& value, const char* what);
// A string map (envs, metadata); undefined/null is empty.
soulbox::StringMap toStringMap(const Napi::Value& value, const char* what);
// The file options of a `user` argument ("user"/"root", undefined = the default).
soulbox::FileOptions toFileOptions(const Napi::Value& user);

} // namespace soulbox_node
