// Strict parsing of the numbers users type on the command line: the whole string must be a
// number, with no sign, spaces or trailing junk, and values that overflow are rejected.
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

namespace soulbox::cli {

// On failure, the reason ("not a number", "too large"), for a usage message.
template <class T> using Parsed = std::expected<T, std::string>;

// Plain bytes or a binary K/M/G/T suffix (either case): "512M" = 512 * 2^20.
Parsed<std::uint64_t> parse_size(std::string_view text);
// A non-negative whole number.
Parsed<std::uint64_t> parse_count(std::string_view text);
// A finite non-negative decimal number of CPU cores, e.g. "0.5".
Parsed<double> parse_cpus(std::string_view text);
// Whole seconds, bounded so that conversions to milliseconds and deadlines cannot overflow.
Parsed<std::chrono::seconds> parse_seconds(std::string_view text);

} // namespace soulbox::cli
