#include "cli/json_output.hpp"

#include "cli/format.hpp"
#include "core/json_writer.hpp"

#include <fmt/format.h>

namespace soulbox::cli {

namespace {

std::string boolean(bool value) {
    return value ? "true" : "false";
}

std::string string_map(const StringMap& map) {
    std::string out = "{";
    for (const auto& [key, value] : map) {
        if (out.size() > 1) out += ',';
        out += json::quote(key) + ":" + json::quote(value);
    }
    return out + "}";
}

std::string limits_json(const EffectiveLimits& limits) {
    // fmt's "{}" for double is the shortest form that reads back exactly, and JSON-compatible
    // for the finite values limits hold.
    return fmt::format(
        R"({{"memory_bytes":{},"pids":{},"cpus":{},"disk_bytes":{},"cgroup":{},"note":{}}})",
        limits.memory_bytes, limits.pids, limits.cpus, limits.disk_bytes,
        json::quote(limits.cgroup), json::quote(limits.note));
}

} // namespace

std::string command_result_json(const CommandResult& r) {
    return fmt::format(
        R"({{"exit_code":{},"stdout":{},"stderr":{},"error":{},"timed_out":{},"oom_killed":{},"signal":{}}})",
        r.exit_code, json::quote(r.stdout_data), json::quote(r.stderr_data),
        r.error.empty() ? "null" : json::quote(r.error), boolean(r.timed_out),
        boolean(r.oom_killed), r.signal);
}

std::string sandbox_info_json(const SandboxInfo& info) {
    std::string end_at = info.end_at ? json::quote(rfc3339(*info.end_at)) : "null";
    std::string state = info.state == SandboxState::running ? "running" : "stopped";
    return fmt::format(
        R"({{"id":{},"template":{},"metadata":{},"started_at":{},"end_at":{},"state":{},"limits":{},"rootless":{}}})",
        json::quote(info.id), json::quote(info.template_name), string_map(info.metadata),
        json::quote(rfc3339(info.started_at)), end_at, json::quote(state), limits_json(info.limits),
        boolean(info.rootless));
}

std::string_view file_type_name(FileType type) {
    switch (type) {
    case FileType::file:
        return "file";
    case FileType::dir:
        return "dir";
    case FileType::symlink:
        return "symlink";
    case FileType::other:
        break;
    }
    return "other";
}

std::string entry_json(const EntryInfo& entry) {
    std::string target = entry.symlink_target ? json::quote(*entry.symlink_target) : "null";
    return fmt::format(
        R"({{"name":{},"type":"{}","path":{},"size":{},"mode":{},"permissions":{},"owner":{},"group":{},"modified_time":{},"symlink_target":{}}})",
        json::quote(entry.name), file_type_name(entry.type), json::quote(entry.path), entry.size,
        entry.mode, json::quote(entry.permissions), json::quote(entry.owner),
        json::quote(entry.group), json::quote(rfc3339(entry.modified_time)), target);
}

std::string entry_list_json(const std::vector<EntryInfo>& entries) {
    std::string out = "[";
    for (const auto& entry : entries) {
        if (out.size() > 1) out += ',';
        out += entry_json(entry);
    }
    return out + "]";
}

std::string sandbox_list_json(const std::vector<SandboxInfo>& sandboxes) {
    std::string out = "[";
    for (const auto& info : sandboxes) {
        if (out.size() > 1) out += ',';
        out += sandbox_info_json(info);
    }
    return out + "]";
}

} // namespace soulbox::cli
