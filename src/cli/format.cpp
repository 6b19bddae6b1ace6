#include "cli/format.hpp"

#include <fmt/format.h>

namespace soulbox::cli {

std::string rfc3339(Clock::time_point time) {
    auto seconds = std::chrono::floor<std::chrono::seconds>(time);
    auto day = std::chrono::floor<std::chrono::days>(seconds);
    std::chrono::year_month_day date{day};
    std::chrono::hh_mm_ss clock{seconds - day};
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", int(date.year()),
                       unsigned(date.month()), unsigned(date.day()), clock.hours().count(),
                       clock.minutes().count(), clock.seconds().count());
}

std::string human_size(std::uint64_t bytes) {
    if (bytes == 0) return "unlimited";
    static constexpr const char* units[] = {"", "K", "M", "G", "T", "P", "E"};
    std::size_t unit = 0;
    double value = static_cast<double>(bytes);
    while (value >= 1024 && unit + 1 < std::size(units)) {
        value /= 1024;
        ++unit;
    }
    if (unit == 0) return fmt::format("{}", bytes);
    // Exact multiples print without a fraction ("512M"), others with one digit ("1.5G").
    if (value == static_cast<double>(static_cast<std::uint64_t>(value)))
        return fmt::format("{}{}", static_cast<std::uint64_t>(value), units[unit]);
    return fmt::format("{:.1f}{}", value, units[unit]);
}

std::string count_or_unlimited(std::uint64_t count) {
    return count == 0 ? "unlimited" : fmt::format("{}", count);
}

std::string cpus_or_unlimited(double cpus) {
    return cpus == 0 ? "unlimited" : fmt::format("{}", cpus);
}

std::string printable(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        auto byte = static_cast<unsigned char>(c);
        out += (byte < 0x20 || byte == 0x7f) ? '?' : c;
    }
    return out;
}

std::string metadata_summary(const StringMap& metadata) {
    if (metadata.empty()) return "-";
    std::string out;
    for (const auto& [key, value] : metadata) {
        if (!out.empty()) out += ',';
        out += printable(key) + "=" + printable(value);
    }
    return out;
}

} // namespace soulbox::cli
