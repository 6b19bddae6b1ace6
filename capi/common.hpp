// Shared by every C entry point: the one guard that turns C++ failures into status codes and
// error objects, and the argument checks. Nothing here is exported.
//
// Inside a guarded body, a failed check or call throws Failure; guard() catches it (and every
// other exception) so that no C++ exception crosses the C boundary. Exceptions are only a
// control-flow device here: the C++ API itself never throws.
#pragma once

#include "api/sandbox.hpp"
#include "soulbox/soulbox.h"

#include <cstddef>
#include <cstring>
#include <mutex>
#include <new>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

struct soulbox_error {
    soulbox::Error error;
};

namespace soulbox::capi {

struct Failure {
    Error error;
};

[[noreturn]] void fail(Errc code, std::string message);

// Reports a failure through the status code and, if the caller asked, an error object.
int report(soulbox_error** err, Error error) noexcept;
int report_out_of_memory(soulbox_error** err) noexcept;

// Every entry point that returns a status runs its body through this.
template <class Body> int guard(soulbox_error** err, Body&& body) noexcept {
    if (err) *err = nullptr;
    try {
        body();
        return SOULBOX_OK;
    } catch (Failure& failure) {
        return report(err, std::move(failure.error));
    } catch (const std::bad_alloc&) {
        return report_out_of_memory(err);
    } catch (const std::exception& e) {
        return report(err,
                      Error{Errc::internal, 0, std::string("unexpected exception: ") + e.what()});
    } catch (...) {
        return report(err, Error{Errc::internal, 0, "unexpected exception"});
    }
}

template <class T> T unwrap(Result<T> result) {
    if (!result) throw Failure{std::move(result.error())};
    return std::move(*result);
}
inline void unwrap(Status status) {
    if (!status) throw Failure{std::move(status.error())};
}

// A required out-parameter: non-NULL, and cleared so a failure leaves it NULL / 0.
template <class T> T& out_param(T* out, const char* name) {
    if (!out) fail(Errc::invalid_argument, std::string(name) + " must not be NULL");
    *out = T{};
    return *out;
}

// A required handle or pointer argument.
template <class T> T& need(T* pointer, const char* name) {
    if (!pointer) fail(Errc::invalid_argument, std::string(name) + " must not be NULL");
    return *pointer;
}

bool is_valid_utf8(std::string_view s) noexcept;
// Required text: non-NULL, valid UTF-8.
std::string_view text(const char* s, const char* name);
// Optional text: NULL gives `fallback`.
std::string text_or(const char* s, const char* name, std::string_view fallback);
// A byte buffer: data may be NULL only when len is 0.
std::string_view bytes(const void* data, std::size_t len, const char* name);
// {key, value} pairs as a map; keys must be unique.
StringMap string_map(const soulbox_kv* pairs, std::size_t count, const char* name);
std::vector<std::string> string_array(const char* const* items, std::size_t count,
                                      const char* name);
std::chrono::milliseconds milliseconds(std::int64_t ms, const char* name);

// A copy of the caller's options struct, of which only struct_size bytes are read: fields
// that a caller built against an older header does not know keep their defaults.
template <class Options>
Options read_options(const Options* given, int (*init)(Options*), const char* name) {
    Options options;
    init(&options);
    if (!given) return options;
    if (given->struct_size < sizeof(given->struct_size))
        fail(Errc::invalid_argument,
             std::string(name) + ".struct_size is too small (initialise it with its _init)");
    if (given->struct_size > sizeof(Options))
        fail(Errc::invalid_argument,
             std::string(name) +
                 ".struct_size is larger than this library knows (built against a newer "
                 "soulbox.h?)");
    // Every field is naturally aligned and at most 8 bytes, so a size that is a multiple of the
    // struct's alignment never ends inside a field: a torn pointer would be read otherwise.
    if (given->struct_size % alignof(Options) != 0)
        fail(Errc::invalid_argument,
             std::string(name) + ".struct_size does not end on a field boundary");
    std::memcpy(static_cast<void*>(&options), given, given->struct_size);
    return options;
}

// Callbacks into C code pass through a gate, so that after close() returns no callback is
// running or will start: the caller's user_data may then go away. Recursive, so a callback that
// (against the rules) frees its own handle does not deadlock.
class CallbackGate {
public:
    template <class Call> void pass(Call&& call) {
        std::lock_guard lock(mutex_);
        if (open_) call();
    }
    void close() noexcept {
        std::lock_guard lock(mutex_);
        open_ = false;
    }

private:
    std::recursive_mutex mutex_;
    bool open_ = true;
};

OutputCallback output_callback(const std::shared_ptr<CallbackGate>& gate, soulbox_output_fn fn,
                               void* user_data);

std::int64_t to_unix_ms(std::chrono::system_clock::time_point time) noexcept;

// A C string that must not be NULL for an accessor given NULL.
inline const char* c_str_or_empty(const std::string* s) noexcept {
    return s ? s->c_str() : "";
}

} // namespace soulbox::capi
