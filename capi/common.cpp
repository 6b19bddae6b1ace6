// Argument checks and error reporting shared by every C entry point.
#include "common.hpp"

#include <cerrno>
#include <cmath>

namespace soulbox::capi {

void fail(Errc code, std::string message) {
    throw Failure{Error{code, 0, std::move(message)}};
}

int report(soulbox_error** err, Error error) noexcept {
    int code = static_cast<int>(error.code);
    if (code == SOULBOX_OK) code = SOULBOX_ERR_INTERNAL; // a failure never reads as success
    if (err) *err = new (std::nothrow) soulbox_error{std::move(error)};
    return code;
}

int report_out_of_memory(soulbox_error** err) noexcept {
    // Building the message may itself fail; then the caller still gets the code.
    try {
        return report(err, Error{Errc::internal, ENOMEM, "out of memory"});
    } catch (...) {
        return SOULBOX_ERR_INTERNAL;
    }
}

// Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF.
bool is_valid_utf8(std::string_view s) noexcept {
    auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
    std::size_t i = 0;
    while (i < s.size()) {
        unsigned char lead = byte(i);
        std::size_t extra;
        std::uint32_t cp;
        if (lead < 0x80) {
            ++i;
            continue;
        } else if ((lead & 0xE0) == 0xC0) {
            extra = 1;
            cp = lead & 0x1F;
        } else if ((lead & 0xF0) == 0xE0) {
            extra = 2;
            cp = lead & 0x0F;
        } else if ((lead & 0xF8) == 0xF0) {
            extra = 3;
            cp = lead & 0x07;
        } else {
            return false;
        }
        if (s.size() - i <= extra) return false;
        for (std::size_t k = 1; k <= extra; ++k) {
            if ((byte(i + k) & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (byte(i + k) & 0x3F);
        }
        static constexpr std::uint32_t kMinimum[] = {0, 0x80, 0x800, 0x10000};
        if (cp < kMinimum[extra] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
        i += extra + 1;
    }
    return true;
}

std::string_view text(const char* s, const char* name) {
    need(s, name);
    std::string_view view(s);
    if (!is_valid_utf8(view))
        fail(Errc::invalid_argument, std::string(name) + " is not valid UTF-8");
    return view;
}

std::string text_or(const char* s, const char* name, std::string_view fallback) {
    return std::string(s ? text(s, name) : fallback);
}

std::string_view bytes(const void* data, std::size_t len, const char* name) {
    if (!data && len != 0)
        fail(Errc::invalid_argument,
             std::string(name) + " is NULL but its length is " + std::to_string(len));
    return data ? std::string_view(static_cast<const char*>(data), len) : std::string_view();
}

StringMap string_map(const soulbox_kv* pairs, std::size_t count, const char* name) {
    if (!pairs && count != 0)
        fail(Errc::invalid_argument,
             std::string(name) + " is NULL but its count is " + std::to_string(count));
    StringMap map;
    for (std::size_t i = 0; i < count; ++i) {
        std::string where = std::string(name) + "[" + std::to_string(i) + "]";
        auto key = text(pairs[i].key, (where + ".key").c_str());
        auto value = text(pairs[i].value, (where + ".value").c_str());
        if (!map.emplace(key, value).second)
            fail(Errc::invalid_argument, where + ".key \"" + std::string(key) + "\" repeats");
    }
    return map;
}

std::vector<std::string> string_array(const char* const* items, std::size_t count,
                                      const char* name) {
    if (!items && count != 0)
        fail(Errc::invalid_argument,
             std::string(name) + " is NULL but its count is " + std::to_string(count));
    std::vector<std::string> out;
    out.reserve(count);
    for (std::size_t i = 0; i < count; ++i)
        out.emplace_back(
            text(items[i], (std::string(name) + "[" + std::to_string(i) + "]").c_str()));
    return out;
}

std::chrono::milliseconds milliseconds(std::int64_t ms, const char* name) {
    if (ms < 0) fail(Errc::invalid_argument, std::string(name) + " must be >= 0");
    return std::chrono::milliseconds(ms);
}

OutputCallback output_callback(const std::shared_ptr<CallbackGate>& gate, soulbox_output_fn fn,
                               void* user_data) {
    if (!fn) return {};
    return [gate, fn, user_data](std::string_view chunk) {
        gate->pass([&] { fn(chunk.data(), chunk.size(), user_data); });
    };
}

std::int64_t to_unix_ms(std::chrono::system_clock::time_point time) noexcept {
    return std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
}

} // namespace soulbox::capi
