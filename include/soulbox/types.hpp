// Plain data of the SoulBox C++ API: options, results and infos. Shared by the public
// header-only layer (soulbox.hpp, over the C ABI) and the library's implementation, so both
// speak the same types; nothing here has behaviour beyond defaults.
#pragma once

#include "soulbox/error.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace soulbox {

using Clock = std::chrono::system_clock;
using StringMap = std::map<std::string, std::string>;
using OutputCallback = std::function<void(std::string_view chunk)>;

// Limits a caller asks for. Unset fields take the defaults below; a field that is set and
// cannot be enforced on this host makes create() fail with Errc::limit_unenforceable.
struct ResourceLimits {
    std::optional<std::uint64_t> memory_bytes; // default 512 MiB; 0 = unlimited
    std::optional<std::uint64_t> pids;         // default 1024; 0 = unlimited
    std::optional<double> cpus;                // default 1.0 core; 0 = unlimited
    std::optional<std::uint64_t> disk_bytes;   // writable layer size, default 1 GiB

    bool operator==(const ResourceLimits&) const = default;
};

struct SandboxOptions {
    std::string template_name = "host";
    // Lifetime; the sandbox and all its processes die when it expires. 0 = no timeout.
    std::chrono::seconds timeout{300};
    StringMap envs;       // environment of every process in the sandbox
    StringMap metadata;   // free-form, returned by info() and list()
    std::string hostname; // default: "sandbox"
    ResourceLimits limits;
};

// Limits as applied to a running sandbox.
struct EffectiveLimits {
    std::uint64_t memory_bytes = 0; // 0 = unlimited
    std::uint64_t pids = 0;
    double cpus = 0;
    std::uint64_t disk_bytes = 0;
    std::string cgroup; // "v1", "v2" or "none"
    std::string note;   // why a default limit is not enforced, "" when all are
};

// foreign: a state directory this library must not act on (written by a newer SoulBox, or
// unreadable); list() reports it and gc() leaves it alone.
enum class SandboxState { running, stopped, foreign };

struct SandboxInfo {
    std::string id;
    std::string template_name;
    StringMap metadata;
    Clock::time_point started_at;
    std::optional<Clock::time_point> end_at; // none when the timeout is 0
    SandboxState state = SandboxState::running;
    EffectiveLimits limits;
    bool rootless = false;
    std::string foreign_reason; // why the state is foreign, else ""
    // The agent's control protocol (0: older than protocol versions; connect() refuses it).
    std::uint32_t agent_protocol_version = 0;
};

struct CommandResult {
    int exit_code = -1; // -1 when killed by a signal
    std::string stdout_data;
    std::string stderr_data;
    std::string error; // set when the process did not simply exit: timeout, OOM, signal
    int signal = 0;    // terminating signal, 0 if it exited
    bool timed_out = false;
    bool oom_killed = false;
    bool stdout_truncated = false; // stored output stops at RunOptions::max_output_bytes;
    bool stderr_truncated = false; // callbacks still saw all of it
};

struct RunOptions {
    StringMap envs;
    std::string cwd;           // default: the user's home
    std::string user = "user"; // "user" (uid 1000) or "root"
    // Kills the process tree when it expires; the result says timed_out. 0 = no timeout.
    std::chrono::milliseconds timeout{60'000};
    OutputCallback on_stdout;
    OutputCallback on_stderr;
    bool stdin = false; // keep stdin open for send_stdin(); else it reads /dev/null
    std::string tag;    // shown by commands().list()
    std::size_t max_output_bytes = 64u << 20; // per stream, for the stored result
};

struct ProcessInfo {
    int pid = 0;
    std::string tag;
    std::string cmd; // argv[0]
    std::vector<std::string> args;
    StringMap envs; // the envs given to this command
    std::string cwd;
};

struct PtySize {
    std::uint16_t rows = 24;
    std::uint16_t cols = 80;
};

struct PtyOptions {
    PtySize size;
    std::vector<std::string> cmd; // default {"/bin/bash", "-i", "-l"}
    std::string cwd;              // default: the user's home
    std::string user = "user";
    StringMap envs;                       // TERM=xterm-256color and LANG=C.UTF-8 unless given
    std::chrono::milliseconds timeout{0}; // 0 = lives until killed or the sandbox ends
    OutputCallback on_data;               // terminal output, as it arrives
};

enum class FileType { file, dir, symlink, other };

struct EntryInfo {
    std::string name; // last path component
    FileType type = FileType::other;
    std::string path; // absolute, inside the sandbox
    std::uint64_t size = 0;
    std::uint32_t mode = 0;  // permission bits (07777)
    std::string permissions; // "-rwxr-xr-x"
    std::string owner;       // user name inside the sandbox ("user", "root", or the uid)
    std::string group;
    std::chrono::system_clock::time_point modified_time;
    std::optional<std::string> symlink_target;
};

struct FileOptions {
    std::string user = "user"; // "user" or "root": whose permissions apply, who owns new files
};

struct WriteEntry {
    std::string path;
    std::string data;
};

enum class FilesystemEventType { create, write, remove, rename, chmod };

struct FilesystemEvent {
    std::string name; // path relative to the watched directory
    FilesystemEventType type = FilesystemEventType::create;
};

// Returns the number of bytes put in `buffer`, 0 at the end of the data.
using ChunkSource = std::function<Result<std::size_t>(std::span<char> buffer)>;
// Receives each chunk; return false to stop reading early.
using ChunkSink = std::function<bool(std::string_view chunk)>;
using EventCallback = std::function<void(const FilesystemEvent& event)>;

enum class LogLevel { debug, info, warning, error };

// Called from any library thread, also the event loop: keep it short and do not call SoulBox
// from it.
using LogHook = std::function<void(LogLevel level, std::string_view message)>;

// How a Runtime is configured; what is left empty takes the default (the environment is read
// only for the default runtime: SOULBOX_STATE_DIR, SOULBOX_CGROUP, SOULBOX_IO).
struct RuntimeOptions {
    // Where sandbox state lives. Default: /run/soulbox for root, else
    // $XDG_RUNTIME_DIR/soulbox, else /tmp/soulbox-<uid>.
    std::string state_dir;
    std::string cgroup = "auto"; // "auto", "v1" or "v2"
    std::string io = "auto";     // "auto" (io_uring, else epoll) or "epoll"
    LogHook log;
};

} // namespace soulbox
