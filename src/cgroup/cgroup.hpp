// One interface over cgroup v2 and cgroup v1. The backend is picked at run time (hybrid hosts with
// v1 controllers use v1; pure v2 hosts use v2). A runtime may force one (RuntimeOptions::cgroup).
#pragma once

#include "soulbox/error.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

namespace soulbox::cgroup {

enum class Version { v1, v2 };

// 0 means "no limit" for each field.
struct Limits {
    std::uint64_t memory_bytes = 0;
    std::uint64_t pids = 0;
    double cpus = 0; // fraction of cores: 0.5 = half a core
};

// What this host lets the calling user do, for error messages and `info`.
struct Availability {
    Version version = Version::v2;
    bool usable = false; // can create a group at all
    bool memory = false;
    bool pids = false;
    bool cpu = false;
    std::string base_path; // where sandbox groups are created
    std::string reason;    // why something is not available ("" when all is)
};

// The cgroup(s) of one sandbox.
class Group {
public:
    virtual ~Group() = default;
    virtual Version version() const = 0;
    // A path that identifies this group (v2: the directory; v1: the memory controller's).
    virtual std::string path() const = 0;
    // v2: an O_DIRECTORY fd for clone3(CLONE_INTO_CGROUP); v1: -1 (callers use add_process).
    virtual int clone_fd() const = 0;
    // Move a process into the group (every controller for v1).
    virtual Status add_process(pid_t pid) = 0;
    // Number of OOM kills so far (v2 memory.events oom_kill, v1 memory.oom_control oom_kill).
    virtual Result<std::uint64_t> oom_kill_count() const = 0;
    virtual Result<std::uint64_t> memory_current() const = 0;
    // SIGKILL every process in the group (v2 cgroup.kill when present, else iterate cgroup.procs).
    // Returns once cgroup.procs is empty, or fails with Errc::timeout after about 2 s.
    virtual Status kill_all() = 0;
    // Remove the group's directories; processes must be gone (retries briefly while the kernel
    // finishes tearing down exited tasks).
    virtual Status destroy() = 0;
};

class Manager {
public:
    virtual ~Manager() = default;
    virtual const Availability& availability() const = 0;
    // Create the group for a sandbox and apply limits. A non-zero limit whose controller is not
    // available fails with Errc::limit_unenforceable and a message naming the limit and why.
    virtual Result<std::unique_ptr<Group>> create(std::string_view sandbox_id,
                                                  const Limits& limits) = 0;
    // Open an existing sandbox group (from another process: connect, kill, gc).
    virtual Result<std::unique_ptr<Group>> open(std::string_view sandbox_id) = 0;
    // Sandbox ids that have a group under the base path (for garbage collection).
    virtual std::vector<std::string> list() const = 0;
};

// Detect the host's cgroup layout for the calling user. Never fails: an unusable host gives a
// manager whose availability().usable is false and whose create() explains why. `force` "v1" or
// "v2" picks that backend whatever the host has.
std::unique_ptr<Manager> detect_manager(std::string_view force = {});

} // namespace soulbox::cgroup
