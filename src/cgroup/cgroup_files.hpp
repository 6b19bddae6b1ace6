// Helpers shared by the v1 and v2 backends: control-file I/O, id and limit checks, controller
// bookkeeping and the bounded kill/remove loops used at teardown.
#pragma once

#include "cgroup/cgroup.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

namespace soulbox::cgroup {

// ---- control files ----

Result<std::string> read_file(const std::string& path);
// One write(2) call: cgroup files take a whole value per write.
Status write_file(const std::string& path, std::string_view value);
// A file holding a single number (memory.current, memory.usage_in_bytes).
Result<std::uint64_t> read_number(const std::string& path);
// The value of `key` in a flat-keyed "key value" file (memory.events, memory.oom_control).
Result<std::uint64_t> read_keyed(const std::string& path, std::string_view key);
// The pids listed in a cgroup.procs file.
Result<std::vector<pid_t>> read_pids(const std::string& procs_file);
bool path_exists(const std::string& path);
// Write access for the effective uid (access(2) would check the real uid).
bool writable(const std::string& path);
std::vector<std::string> split_words(std::string_view text);
std::vector<std::string> split_lines(std::string_view text);
bool contains_word(std::string_view text, std::string_view word);
std::string parent_dir(const std::string& path);
// Creates a directory; true when it was created now, false when it already existed.
Result<bool> make_dir(const std::string& path);
// Subdirectories of `dir` whose names are valid sandbox ids; empty when `dir` is missing.
std::vector<std::string> list_group_dirs(const std::string& dir);

// ---- ids and limits ----

// [a-z0-9-], 1..64 chars: the id becomes a directory name, so nothing else may pass.
Status validate_id(std::string_view id);
// Values that are wrong whatever the host supports (checked before anything is created).
Status validate_limits(const Limits& limits);

inline constexpr std::uint64_t cpu_period_us = 100000;
// The CFS quota for `cpus` cores per cpu_period_us; the kernel rejects quotas below 1 ms.
std::uint64_t cpu_quota_us(double cpus);

// ---- controllers ----

enum class Controller { memory, pids, cpu };
inline constexpr std::array<Controller, 3> all_controllers{Controller::memory, Controller::pids,
                                                           Controller::cpu};
std::string_view controller_name(Controller c);

struct ControllerState {
    bool available = false;
    std::string reason; // why not, when !available
};
using ControllerStates = std::array<ControllerState, all_controllers.size()>;
inline ControllerState& state_of(ControllerStates& states, Controller c) {
    return states[static_cast<std::size_t>(c)];
}
inline const ControllerState& state_of(const ControllerStates& states, Controller c) {
    return states[static_cast<std::size_t>(c)];
}

bool limit_requested(const Limits& limits, Controller c);
// limit_unenforceable naming the first requested limit whose controller is unavailable.
Status check_limits(const Limits& limits, const ControllerStates& states);
// limit_unenforceable for EACCES/EPERM/ENOENT (controller file missing or not ours), else the
// system error; the message starts with "<controller> limit: ".
Status write_limit(Controller c, const std::string& path, std::string_view value);
// reason: the unavailable controllers' reasons, joined.
Availability make_availability(Version version, bool usable, std::string base_path,
                               const ControllerStates& states);
// Everything create() checks before touching the filesystem: id, limit values, that each
// requested limit can be enforced, and that groups can be made at all.
Status check_create(std::string_view id, const Limits& limits, const Availability& availability,
                    const ControllerStates& states);
// For memory statistics asked of a group without the memory controller.
Error no_memory_controller(const std::string& group);

// ---- teardown ----

using Clock = std::chrono::steady_clock;
// How long kill and remove loops wait for the kernel to finish tearing tasks down.
inline constexpr std::chrono::seconds teardown_bound{2};
// Blocks until the group's membership may have changed or `timeout` passed. v2 waits on
// cgroup.events; v1 has no such notification and sleeps.
using WaitForChange = std::function<void(std::chrono::milliseconds timeout)>;
void sleep_wait(std::chrono::milliseconds timeout);

// SIGKILL everything in the group, freezing it first when `freeze_file` exists so nothing forks
// in between. Returns once cgroup.procs is empty, or fails with Errc::timeout after the bound.
struct FreezeControl {
    std::string file; // "" when the group cannot be frozen
    std::string_view freeze_value;
    std::string_view thaw_value;
};
Status kill_all_in(const std::string& procs_file, const FreezeControl& freeze,
                   const WaitForChange& wait);
// rmdir, retrying on EBUSY until `deadline`; a missing directory counts as removed.
Status remove_group_dir(const std::string& dir, Clock::time_point deadline,
                        const WaitForChange& wait);

} // namespace soulbox::cgroup
