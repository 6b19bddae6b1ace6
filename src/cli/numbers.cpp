#include "cli/numbers.hpp"

#include <charconv>
#include <cmath>

namespace soulbox::cli {

namespace {

// About 31 years: far beyond any sensible timeout, far below any overflow.
constexpr std::uint64_t kMaxSeconds = 1'000'000'000;
constexpr const char* kTooLarge = "too large";

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

} // namespace

Parsed<std::uint64_t> parse_count(std::string_view text) {
    // from_chars would accept neither a sign nor spaces for unsigned types, but checking the
    // first character keeps the error message specific.
    if (text.empty() || !is_digit(text.front())) return std::unexpected("not a whole number");
    std::uint64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec == std::errc::result_out_of_range) return std::unexpected(kTooLarge);
    if (ec != std::errc() || end != text.data() + text.size())
        return std::unexpected("not a whole number");
    return value;
}

Parsed<std::uint64_t> parse_size(std::string_view text) {
    // K, M, G, T (either case) multiply by 2^10, 2^20, 2^30, 2^40.
    constexpr std::string_view kSuffixes = "KMGT";
    unsigned shift = 0;
    if (!text.empty()) {
        char last = text.back();
        if (last >= 'a' && last <= 'z') last = static_cast<char>(last - 'a' + 'A');
        if (auto index = kSuffixes.find(last); index != std::string_view::npos) {
            shift = 10 * static_cast<unsigned>(index + 1);
            text.remove_suffix(1);
        }
    }
    auto number = parse_count(text);
    if (!number && number.error() == kTooLarge) return std::unexpected(kTooLarge);
    if (!number) return std::unexpected("not a size (bytes, or a number with K, M, G or T)");
    if (shift && *number > (UINT64_MAX >> shift)) return std::unexpected(kTooLarge);
    return *number << shift;
}

Parsed<double> parse_cpus(std::string_view text) {
    // Only plain decimals: from_chars also takes "inf", "nan" and exponents, which no one
    // means as a CPU count; a leading '-' is rejected here too.
    if (text.empty() || (!is_digit(text.front()) && text.front() != '.'))
        return std::unexpected("not a non-negative decimal number");
    for (char c : text)
        if (!is_digit(c) && c != '.') return std::unexpected("not a non-negative decimal number");
    double value = 0;
    auto [end, ec] =
        std::from_chars(text.data(), text.data() + text.size(), value, std::chars_format::fixed);
    if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value))
        return std::unexpected("not a non-negative decimal number");
    return value;
}

Parsed<std::chrono::seconds> parse_seconds(std::string_view text) {
    auto number = parse_count(text);
    if (!number) return std::unexpected("not a whole number of seconds");
    if (*number > kMaxSeconds) return std::unexpected(kTooLarge);
    return std::chrono::seconds(static_cast<std::chrono::seconds::rep>(*number));
}

} // namespace soulbox::cli
