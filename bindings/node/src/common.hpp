// Shared pieces of the addon: C-handle ownership, call status, error objects, argument
// conversion, and the per-environment data every file reaches through Napi::Env.
#pragma once

#include <napi.h>
#include <soulbox/soulbox.h>

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace soulbox_node {

// RAII for every C object: Owned<soulbox_entry, soulbox_entry_free> frees it exactly once.
template <auto Free> struct Deleter {
    template <class T> void operator()(T* p) const noexcept { Free(p); }
};
template <class T, auto Free> using Owned = std::unique_ptr<T, Deleter<Free>>;

using ErrorPtr = Owned<soulbox_error, soulbox_error_free>;
using EntryPtr = Owned<soulbox_entry, soulbox_entry_free>;
using EntryListPtr = Owned<soulbox_entry_list, soulbox_entry_list_free>;
using ResultPtr = Owned<soulbox_command_result, soulbox_command_result_free>;

// The outcome of a C call, copied out of its soulbox_error so that it can cross threads.
struct Status {
    int code = SOULBOX_OK;
    int errnum = 0;
    std::string message;
    int subject = SOULBOX_SUBJECT_NONE; // what the error refers to (soulbox_error_subject)
    bool ok() const { return code == SOULBOX_OK; }
};

// Takes ownership of `err` (may stay NULL: the error object itself could not be allocated).
// By reference on purpose: in check(soulbox_f(..., &err), err) the order in which arguments are
// evaluated is unspecified, so a by-value `err` could be read before soulbox_f sets it.
Status check(int rc, soulbox_error*& err);

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
Napi::Value makeError(Napi::Env env, const Status& status);

// ---- argument conversion: wrong input is a TypeError / RangeError, never a crash ----

// A string without NUL characters (the C API takes NUL-terminated text).
std::string toText(const Napi::Value& value, const char* what);
// undefined/null -> nullopt; otherwise as toText.
std::optional<std::string> toOptionalText(const Napi::Value& value, const char* what);
// An integer in [min, max].
int64_t toInteger(const Napi::Value& value, const char* what, int64_t min, int64_t max);
// Bytes of a Buffer, TypedArray, DataView or ArrayBuffer, copied (the call runs on another
// thread while JS may change the original).
std::vector<char> toBytes(const Napi::Value& value, const char* what);

// A string map (envs, metadata) kept alive with the soulbox_kv array that points into it.
class KeyValues {
public:
    KeyValues() = default;
    KeyValues(const Napi::Value& object, const char* what);
    // kvs_ points into strings_: a move keeps the addresses (the buffer moves), a copy would not.
    KeyValues(KeyValues&&) = default;
    KeyValues& operator=(KeyValues&&) = default;
    KeyValues(const KeyValues&) = delete;
    KeyValues& operator=(const KeyValues&) = delete;
    const soulbox_kv* data() const { return kvs_.empty() ? nullptr : kvs_.data(); }
    size_t size() const { return kvs_.size(); }

private:
    std::vector<std::pair<std::string, std::string>> strings_;
    std::vector<soulbox_kv> kvs_;
};

// Holds an optional string for a `const char*` option field (NULL when absent).
struct OptionalText {
    std::optional<std::string> value;
    const char* get() const { return value ? value->c_str() : nullptr; }
};

Napi::Object entryToJs(Napi::Env env, const soulbox_entry* entry);
Napi::Array entryListToJs(Napi::Env env, const soulbox_entry_list* list);

} // namespace soulbox_node
