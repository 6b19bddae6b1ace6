// What the header-only C++ layer (soulbox.hpp, files.hpp) shares to sit on the C ABI
// (soulbox.h): owning pointers for the C objects, the one mapping from a C error to
// soulbox::Error, and conversions of C results into the plain types of types.hpp. Not meant to
// be used directly; soulbox::detail may change between releases.
#pragma once

#include "soulbox/error.hpp"
#include "soulbox/soulbox.h"
#include "soulbox/types.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace soulbox::detail {

// Frees each C object with its own _free function (a null pointer is never passed to it).
struct CFree {
    void operator()(soulbox_error* p) const noexcept { soulbox_error_free(p); }
    void operator()(soulbox_runtime* p) const noexcept { soulbox_runtime_free(p); }
    void operator()(soulbox_sandbox* p) const noexcept { soulbox_sandbox_free(p); }
    void operator()(soulbox_sandbox_info* p) const noexcept { soulbox_sandbox_info_free(p); }
    void operator()(soulbox_sandbox_info_list* p) const noexcept {
        soulbox_sandbox_info_list_free(p);
    }
    void operator()(soulbox_process* p) const noexcept { soulbox_process_free(p); }
    void operator()(soulbox_command_result* p) const noexcept { soulbox_command_result_free(p); }
    void operator()(soulbox_process_info_list* p) const noexcept {
        soulbox_process_info_list_free(p);
    }
    void operator()(soulbox_entry* p) const noexcept { soulbox_entry_free(p); }
    void operator()(soulbox_entry_list* p) const noexcept { soulbox_entry_list_free(p); }
    void operator()(soulbox_watch* p) const noexcept { soulbox_watch_free(p); }
    void operator()(soulbox_event_list* p) const noexcept { soulbox_event_list_free(p); }
    void operator()(void* p) const noexcept { soulbox_free(p); }
};
template <class T> using Owned = std::unique_ptr<T, CFree>;

// The one mapping from a failed C call (its status and error object, which this frees) to an
// Error.
inline Error to_error(int status, soulbox_error* err) {
    Owned<soulbox_error> owned(err);
    Error error;
    error.code = static_cast<Errc>(err ? soulbox_error_code(err) : status);
    error.sys_errno = soulbox_error_errno(err);
    error.subject = static_cast<ErrorSubject>(soulbox_error_subject(err));
    // err is NULL only when even the error object could not be allocated.
    error.message = err ? soulbox_error_message(err) : soulbox_errc_name(status);
    return error;
}

// Runs one C call that takes `soulbox_error** err` as its last parameter:
//   check([&](soulbox_error** err) { return soulbox_sandbox_kill(sbx, err); })
template <class Call> Status check(Call&& call) {
    soulbox_error* err = nullptr;
    int status = call(&err);
    if (status == SOULBOX_OK) return {};
    return std::unexpected(to_error(status, err));
}

// A C call that fills `out` on success: value(&out, ...) as check().
template <class T, class Call> Result<T> value(Call&& call) {
    T out{};
    if (auto status = check([&](soulbox_error** err) { return call(&out, err); }); !status)
        return std::unexpected(std::move(status.error()));
    return out;
}

// Text goes to the C ABI as NUL-terminated strings, where an embedded NUL would silently cut
// it short: such text is refused (invalid_argument) before any call. Chained; keeps the first
// offence: `if (auto bad = TextCheck{}(path, "path")(envs, "envs").error) ...`.
struct TextCheck {
    std::optional<Error> error;

    TextCheck& operator()(std::string_view s, const char* what) {
        if (!error && s.find('\0') != std::string_view::npos)
            error = make_error(Errc::invalid_argument, std::string(what) + " contains a NUL byte");
        return *this;
    }
    TextCheck& operator()(const StringMap& map, const char* what) {
        for (const auto& [key, value] : map)
            (*this)(key, what)(value, what);
        return *this;
    }
    TextCheck& operator()(const std::vector<std::string>& strings, const char* what) {
        for (const auto& s : strings)
            (*this)(s, what);
        return *this;
    }
};

inline std::string text(const char* s) {
    return s ? std::string(s) : std::string();
}

inline Clock::time_point from_unix_ms(std::int64_t ms) {
    return Clock::time_point(std::chrono::milliseconds(ms));
}

// A StringMap as the C {key, value} array; borrows the map's strings.
inline std::vector<soulbox_kv> key_values(const StringMap& map) {
    std::vector<soulbox_kv> pairs;
    pairs.reserve(map.size());
    for (const auto& [key, value] : map)
        pairs.push_back({key.c_str(), value.c_str()});
    return pairs;
}

// Strings as a C array; borrows them.
inline std::vector<const char*> c_strings(const std::vector<std::string>& strings) {
    std::vector<const char*> out;
    out.reserve(strings.size());
    for (const auto& s : strings)
        out.push_back(s.c_str());
    return out;
}

// Output callbacks of one process (stdout, stderr; a terminal's data is its stdout). The C
// library calls them with this object as user_data until the process handle is freed or
// disconnected, so it lives on the heap, owned next to that handle. An exception cannot cross
// the C library: a callback that throws ends the program (noexcept).
struct OutputCallbacks {
    OutputCallback on_stdout;
    OutputCallback on_stderr;

    static void stdout_fn(const char* data, std::size_t len, void* self) noexcept {
        static_cast<OutputCallbacks*>(self)->on_stdout(std::string_view(data, len));
    }
    static void stderr_fn(const char* data, std::size_t len, void* self) noexcept {
        static_cast<OutputCallbacks*>(self)->on_stderr(std::string_view(data, len));
    }
    soulbox_output_fn c_stdout() const noexcept { return on_stdout ? &stdout_fn : nullptr; }
    soulbox_output_fn c_stderr() const noexcept { return on_stderr ? &stderr_fn : nullptr; }
};

inline CommandResult command_result(const soulbox_command_result* res) {
    CommandResult result;
    result.exit_code = soulbox_command_result_exit_code(res);
    std::size_t len = 0;
    const char* out = soulbox_command_result_stdout(res, &len);
    result.stdout_data.assign(out ? out : "", len);
    out = soulbox_command_result_stderr(res, &len);
    result.stderr_data.assign(out ? out : "", len);
    result.error = text(soulbox_command_result_error(res));
    result.signal = soulbox_command_result_signal(res);
    result.timed_out = soulbox_command_result_timed_out(res) != 0;
    result.oom_killed = soulbox_command_result_oom_killed(res) != 0;
    result.stdout_truncated = soulbox_command_result_stdout_truncated(res) != 0;
    result.stderr_truncated = soulbox_command_result_stderr_truncated(res) != 0;
    return result;
}

inline SandboxInfo sandbox_info(const soulbox_sandbox_info* c) {
    SandboxInfo info;
    info.id = text(soulbox_sandbox_info_id(c));
    info.template_name = text(soulbox_sandbox_info_template(c));
    for (std::size_t i = 0, n = soulbox_sandbox_info_metadata_count(c); i < n; ++i)
        info.metadata.emplace(text(soulbox_sandbox_info_metadata_key(c, i)),
                              text(soulbox_sandbox_info_metadata_value(c, i)));
    info.started_at = from_unix_ms(soulbox_sandbox_info_started_at_ms(c));
    if (auto end = soulbox_sandbox_info_end_at_ms(c); end != 0) info.end_at = from_unix_ms(end);
    info.state = static_cast<SandboxState>(soulbox_sandbox_info_state(c));
    info.limits.memory_bytes = soulbox_sandbox_info_memory_bytes(c);
    info.limits.pids = soulbox_sandbox_info_pids(c);
    info.limits.cpus = soulbox_sandbox_info_cpus(c);
    info.limits.disk_bytes = soulbox_sandbox_info_disk_bytes(c);
    info.limits.cgroup = text(soulbox_sandbox_info_cgroup(c));
    info.limits.note = text(soulbox_sandbox_info_limits_note(c));
    info.rootless = soulbox_sandbox_info_rootless(c) != 0;
    info.foreign_reason = text(soulbox_sandbox_info_foreign_reason(c));
    info.agent_protocol_version = soulbox_sandbox_info_agent_protocol_version(c);
    return info;
}

inline ProcessInfo process_info(const soulbox_process_info* c) {
    ProcessInfo info;
    info.pid = soulbox_process_info_pid(c);
    info.tag = text(soulbox_process_info_tag(c));
    info.cmd = text(soulbox_process_info_cmd(c));
    for (std::size_t i = 0, n = soulbox_process_info_arg_count(c); i < n; ++i)
        info.args.push_back(text(soulbox_process_info_arg(c, i)));
    for (std::size_t i = 0, n = soulbox_process_info_env_count(c); i < n; ++i)
        info.envs.emplace(text(soulbox_process_info_env_key(c, i)),
                          text(soulbox_process_info_env_value(c, i)));
    info.cwd = text(soulbox_process_info_cwd(c));
    return info;
}

inline EntryInfo entry_info(const soulbox_entry* c) {
    EntryInfo info;
    info.name = text(soulbox_entry_name(c));
    info.type = static_cast<FileType>(soulbox_entry_type(c));
    info.path = text(soulbox_entry_path(c));
    info.size = soulbox_entry_size(c);
    info.mode = soulbox_entry_mode(c);
    info.permissions = text(soulbox_entry_permissions(c));
    info.owner = text(soulbox_entry_owner(c));
    info.group = text(soulbox_entry_group(c));
    info.modified_time = from_unix_ms(soulbox_entry_modified_time_ms(c));
    if (const char* target = soulbox_entry_symlink_target(c)) info.symlink_target = target;
    return info;
}

inline std::vector<EntryInfo> entry_infos(const soulbox_entry_list* list) {
    std::vector<EntryInfo> infos;
    for (std::size_t i = 0, n = soulbox_entry_list_count(list); i < n; ++i)
        infos.push_back(entry_info(soulbox_entry_list_get(list, i)));
    return infos;
}

} // namespace soulbox::detail
