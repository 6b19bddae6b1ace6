#include "cli/text_output.hpp"

#include "cli/format.hpp"

#include <algorithm>
#include <array>
#include <fmt/format.h>

namespace soulbox::cli {

namespace {

constexpr std::size_t kColumns = 8;
using Row = std::array<std::string, kColumns>;

Row table_row(const SandboxInfo& info) {
    return {printable(info.id),
            printable(info.template_name),
            rfc3339(info.started_at),
            info.end_at ? rfc3339(*info.end_at) : "-",
            human_size(info.limits.memory_bytes),
            count_or_unlimited(info.limits.pids),
            cpus_or_unlimited(info.limits.cpus),
            metadata_summary(info.metadata)};
}

} // namespace

std::string sandbox_table(const std::vector<SandboxInfo>& sandboxes) {
    std::vector<Row> rows{
        {"ID", "TEMPLATE", "STARTED", "ENDS", "MEMORY", "PIDS", "CPUS", "METADATA"}};
    for (const auto& info : sandboxes)
        rows.push_back(table_row(info));
    std::array<std::size_t, kColumns> width{};
    for (const auto& row : rows)
        for (std::size_t c = 0; c < kColumns; ++c)
            width[c] = std::max(width[c], row[c].size());
    std::string out;
    for (const auto& row : rows) {
        std::string line;
        for (std::size_t c = 0; c < kColumns; ++c) {
            // The last column is not padded, so lines carry no trailing spaces.
            if (c + 1 == kColumns)
                line += row[c];
            else
                line += fmt::format("{:<{}}  ", row[c], width[c]);
        }
        out += line + "\n";
    }
    return out;
}

std::string entry_table(const std::vector<EntryInfo>& entries) {
    constexpr std::size_t kEntryColumns = 6;
    std::vector<std::array<std::string, kEntryColumns>> rows;
    for (const auto& e : entries) {
        std::string name = printable(e.path);
        if (e.symlink_target) name += " -> " + printable(*e.symlink_target);
        rows.push_back({e.permissions, printable(e.owner), printable(e.group),
                        fmt::format("{}", e.size), rfc3339(e.modified_time), name});
    }
    std::array<std::size_t, kEntryColumns> width{};
    for (const auto& row : rows)
        for (std::size_t c = 0; c < kEntryColumns; ++c)
            width[c] = std::max(width[c], row[c].size());
    std::string out;
    for (const auto& row : rows) {
        // Sizes right-aligned as ls -l has them; the name last and unpadded.
        out += fmt::format("{:<{}}  {:<{}}  {:<{}}  {:>{}}  {}  {}\n", row[0], width[0], row[1],
                           width[1], row[2], width[2], row[3], width[3], row[4], row[5]);
    }
    return out;
}

std::string sandbox_details(const SandboxInfo& info) {
    const auto& limits = info.limits;
    std::string out;
    auto line = [&](std::string_view key, std::string_view value) {
        out += fmt::format("{}: {}\n", key, value);
    };
    line("id", printable(info.id));
    line("template", printable(info.template_name));
    line("state", info.state == SandboxState::running ? "running" : "stopped");
    line("started_at", rfc3339(info.started_at));
    line("end_at", info.end_at ? rfc3339(*info.end_at) : "none");
    line("memory",
         limits.memory_bytes
             ? fmt::format("{} ({} bytes)", human_size(limits.memory_bytes), limits.memory_bytes)
             : "unlimited");
    line("pids", count_or_unlimited(limits.pids));
    line("cpus", cpus_or_unlimited(limits.cpus));
    line("disk", fmt::format("{} ({} bytes)", human_size(limits.disk_bytes), limits.disk_bytes));
    line("cgroup", printable(limits.cgroup));
    if (!limits.note.empty()) line("note", printable(limits.note));
    line("rootless", info.rootless ? "yes" : "no");
    for (const auto& [key, value] : info.metadata)
        line("metadata." + printable(key), printable(value));
    return out;
}

} // namespace soulbox::cli
