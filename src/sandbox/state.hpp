// The host-side state of sandboxes: one directory per sandbox under a per-user root
// (/run/soulbox for root, $XDG_RUNTIME_DIR/soulbox or /tmp/soulbox-<uid> otherwise;
// SOULBOX_STATE_DIR overrides). It holds sandbox.json and control.sock, so any process of the
// same user can list, connect to, kill and clean up sandboxes.
#pragma once

#include "soulbox/soulbox.hpp"

#include <cstdint>
#include <string>
#include <sys/types.h>
#include <vector>

namespace soulbox::sandbox {

struct SandboxRecord {
    std::string id;
    std::string template_name;
    StringMap metadata;
    std::uint64_t started_at_ms = 0;
    std::uint64_t end_at_ms = 0; // 0 = no timeout
    pid_t agent_pid = 0;
    std::uint64_t agent_start_time = 0; // /proc/<pid>/stat field 22, guards against pid reuse
    EffectiveLimits limits;
    bool rootless = false;
    int id_slot = -1;
};

// Validates and creates (mode 0700, owned by the caller) the state root.
Result<std::string> state_root();
std::string sandbox_dir(const std::string& root, const std::string& id);
std::string control_socket_path(const std::string& root, const std::string& id);
// 16 random lowercase hex digits.
std::string new_sandbox_id();
// Sandbox ids: 1-64 of [a-z0-9-] (they name directories and cgroups).
Status validate_sandbox_id(std::string_view id);

Status write_record(const std::string& root, const SandboxRecord& record);
Result<SandboxRecord> read_record(const std::string& root, const std::string& id);
std::vector<std::string> list_sandbox_ids(const std::string& root);
// Remove the directory and release the id range. Idempotent.
void remove_state(const std::string& root, const SandboxRecord& record);

// Start time of a process from /proc, 0 if it does not exist.
std::uint64_t process_start_time(pid_t pid);
// A pidfd for the record's agent if it is still that process and alive, else an error.
Result<int> open_agent_pidfd(const SandboxRecord& record);

std::uint64_t now_ms();
SandboxInfo to_info(const SandboxRecord& record, bool running);

} // namespace soulbox::sandbox
