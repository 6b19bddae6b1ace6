// The host-side state of sandboxes: one directory per sandbox under a per-user root
// (/run/soulbox for root, $XDG_RUNTIME_DIR/soulbox or /tmp/soulbox-<uid> otherwise;
// SOULBOX_STATE_DIR overrides). It holds sandbox.json and control.sock, so any process of the
// same user can list, connect to, kill and clean up sandboxes.
#pragma once

#include "soulbox/types.hpp"
#include "spec/spec.hpp"

#include <cstdint>
#include <string>
#include <sys/types.h>
#include <vector>

namespace soulbox::sandbox {

// Version of sandbox.json. Readers ignore keys they do not know. A record with a higher version,
// or one that cannot be parsed, is foreign: listed as such, never collected or killed. Version 0
// (before schema_version existed) is read as the subset it is.
inline constexpr int kRecordSchemaVersion = 1;

struct SandboxRecord {
    int schema_version = kRecordSchemaVersion;
    std::string id;
    spec::SandboxSpec spec;
    std::uint64_t started_at_ms = 0;
    std::uint64_t end_at_ms = 0; // 0 = no timeout
    // 0 while the sandbox is being created; then the creating process is what is alive.
    pid_t agent_pid = 0;
    std::uint64_t agent_start_time = 0; // /proc/<pid>/stat field 22, guards against pid reuse
    std::uint32_t agent_protocol = 0;   // from hello; 0 = an agent from before hello existed
    pid_t creator_pid = 0;
    std::uint64_t creator_start_time = 0;
    EffectiveLimits limits;
    bool rootless = false;
    int id_slot = -1;
};

// What gc may do with a state directory; only `dead` is ever collected.
enum class Liveness { alive, creating, dead, foreign };

// Validates and creates (mode 0700, owned by the caller) a state root: `configured`, or when it
// is empty /run/soulbox for root, $XDG_RUNTIME_DIR/soulbox, else /tmp/soulbox-<uid>.
Result<std::string> prepare_state_root(std::string configured);
std::string sandbox_dir(const std::string& root, const std::string& id);
std::string control_socket_path(const std::string& root, const std::string& id);
// 16 random lowercase hex digits.
std::string new_sandbox_id();
// Sandbox ids: 1-64 of [a-z0-9-] (they name directories and cgroups).
Status validate_sandbox_id(std::string_view id);

Status write_record(const std::string& root, const SandboxRecord& record);
// Errc::not_found when there is no record; Errc::unsupported (newer schema) or Errc::protocol
// (unreadable) for a foreign one.
Result<SandboxRecord> read_record(const std::string& root, const std::string& id);
bool is_foreign(const Error& read_error);
std::string record_to_json(const SandboxRecord& record);
Result<SandboxRecord> record_from_json(std::string_view json, const std::string& id);
// Known dead only from a parsed record whose agent (or, while creating, creator) has ended.
Liveness liveness(const SandboxRecord& record);
std::vector<std::string> list_sandbox_ids(const std::string& root);
// Remove the directory and release the id range. Idempotent.
void remove_state(const std::string& root, const SandboxRecord& record);

// Start time of a process from /proc, 0 if it does not exist.
std::uint64_t process_start_time(pid_t pid);
// A pidfd for the process if it is still the one that started at `start_time` and alive.
Result<int> open_pidfd(pid_t pid, std::uint64_t start_time);
// The same for the record's agent.
Result<int> open_agent_pidfd(const SandboxRecord& record);

std::uint64_t now_ms();
SandboxInfo to_info(const SandboxRecord& record, bool running);
SandboxInfo foreign_info(const std::string& id, const Error& read_error);

} // namespace soulbox::sandbox
