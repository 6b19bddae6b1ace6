#include "values.hpp"

#include <chrono>
#include <cstddef>

namespace soulbox_node {
namespace {

double unixMs(soulbox::Clock::time_point time) {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch());
    return static_cast<double>(ms.count());
}

Napi::Object toObject(Napi::Env env, const soulbox::StringMap& map) {
    Napi::Object object = Napi::Object::New(env);
    for (const auto& [key, value] : map)
        object.Set(key, value);
    return object;
}

// An enum of types.hpp by its JS name: `names` in the enum's order, `fallback` for a value
// this build does not know.
template <class Enum, std::size_t N>
const char* nameOf(Enum value, const char* const (&names)[N], const char* fallback) {
    auto index = static_cast<std::size_t>(value);
    return index < N ? names[index] : fallback;
}

const char* fileTypeName(soulbox::FileType type) {
    static constexpr const char* kNames[] = {"file", "dir", "symlink", "other"};
    return nameOf(type, kNames, "other");
}

const char* stateName(soulbox::SandboxState state) {
    static constexpr const char* kNames[] = {"running", "stopped", "foreign"};
    return nameOf(state, kNames, "stopped");
}

} // namespace

Napi::Value toJs(Napi::Env env, bool value) {
    return Napi::Boolean::New(env, value);
}

Napi::Value toJs(Napi::Env env, const std::string& text) {
    return Napi::String::New(env, text);
}

Napi::Value toJs(Napi::Env env, const soulbox::EntryInfo& entry) {
    Napi::Object object = Napi::Object::New(env);
    object.Set("name", entry.name);
    object.Set("type", fileTypeName(entry.type));
    object.Set("path", entry.path);
    object.Set("size", static_cast<double>(entry.size));
    object.Set("mode", entry.mode);
    object.Set("permissions", entry.permissions);
    object.Set("owner", entry.owner);
    object.Set("group", entry.group);
    object.Set("modifiedTime", Napi::Date::New(env, unixMs(entry.modified_time)));
    object.Set("symlinkTarget", entry.symlink_target
                                    ? Napi::Value(Napi::String::New(env, *entry.symlink_target))
                                    : env.Undefined());
    return object;
}

Napi::Value toJs(Napi::Env env, const soulbox::SandboxInfo& info) {
    Napi::Object object = Napi::Object::New(env);
    object.Set("sandboxId", info.id);
    object.Set("templateId", info.template_name);
    object.Set("metadata", toObject(env, info.metadata));
    object.Set("startedAtMs", unixMs(info.started_at));
    object.Set("endAtMs", info.end_at ? unixMs(*info.end_at) : 0.0); // 0: no timeout
    object.Set("state", stateName(info.state));
    object.Set("foreignReason", info.foreign_reason);
    object.Set("agentProtocolVersion", info.agent_protocol_version);
    object.Set("rootless", info.rootless);
    object.Set("memoryBytes", static_cast<double>(info.limits.memory_bytes));
    object.Set("pids", static_cast<double>(info.limits.pids));
    object.Set("cpus", info.limits.cpus);
    object.Set("diskBytes", static_cast<double>(info.limits.disk_bytes));
    object.Set("cgroup", info.limits.cgroup);
    object.Set("limitsNote", info.limits.note);
    return object;
}

Napi::Value toJs(Napi::Env env, const soulbox::ProcessInfo& info) {
    Napi::Object object = Napi::Object::New(env);
    object.Set("pid", info.pid);
    object.Set("tag", info.tag);
    object.Set("cmd", info.cmd);
    object.Set("args", toJs(env, info.args));
    object.Set("envs", toObject(env, info.envs));
    object.Set("cwd", info.cwd);
    return object;
}

Napi::Value toJs(Napi::Env env, const soulbox::CommandResult& result) {
    Napi::Object object = Napi::Object::New(env);
    object.Set("exitCode", result.exit_code);
    object.Set("signal", result.signal);
    object.Set("stdout", result.stdout_data);
    object.Set("stderr", result.stderr_data);
    object.Set("error", result.error);
    object.Set("timedOut", result.timed_out);
    object.Set("oomKilled", result.oom_killed);
    object.Set("stdoutTruncated", result.stdout_truncated);
    object.Set("stderrTruncated", result.stderr_truncated);
    return object;
}

const char* eventTypeName(soulbox::FilesystemEventType type) {
    static constexpr const char* kNames[] = {"create", "write", "remove", "rename", "chmod"};
    return nameOf(type, kNames, "unknown");
}

} // namespace soulbox_node
