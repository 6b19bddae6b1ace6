// Small value formatters shared by the text and JSON output.
#pragma once

#include "soulbox/soulbox.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace soulbox::cli {

// "2024-05-01T12:00:00Z" (UTC, whole seconds).
std::string rfc3339(Clock::time_point time);
// Binary units for tables: 536870912 -> "512M", 1536 -> "1.5K"; 0 -> "unlimited".
std::string human_size(std::uint64_t bytes);
// 0 -> "unlimited", else the number.
std::string count_or_unlimited(std::uint64_t count);
std::string cpus_or_unlimited(double cpus);
// Control characters become '?', so metadata cannot move the cursor or change colours on
// the terminal of whoever runs `soulbox ls`.
std::string printable(std::string_view text);
// "k=v,k2=v2" (printable), "-" when empty.
std::string metadata_summary(const StringMap& metadata);

} // namespace soulbox::cli
