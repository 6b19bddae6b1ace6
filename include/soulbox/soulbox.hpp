// SoulBox C++ API: sandboxes that run untrusted code on this host, in the shape of E2B's SDK.
//
//   auto sbx = soulbox::Sandbox::create({});
//   auto result = sbx->commands().run("python3 -c 'print(6*7)'");
//   // result->exit_code == 0, result->stdout_data == "42\n"
//
// Every fallible call returns Result<T> (std::expected<T, soulbox::Error>); nothing throws.
// Objects are safe to use from several threads at once unless a comment says otherwise.
// Callbacks (on_stdout, on_stderr) run on the library's event-loop thread: keep them short
// and do not call blocking SoulBox functions from inside them.
#pragma once

#include "soulbox/error.hpp"
#include "soulbox/files.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace soulbox {

namespace spec {
struct SandboxSpec;
}
// What sandboxes of one configuration share (state root, cgroups, event loop); calls that take
// none use the default runtime, configured from the environment.
class Runtime;

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

class Sandbox;

// A running (or finished) process. Movable, not copyable.
class CommandHandle {
public:
    CommandHandle(CommandHandle&&) noexcept;
    CommandHandle& operator=(CommandHandle&&) noexcept;
    ~CommandHandle(); // disconnects; the process keeps running

    int pid() const;
    // Wait for the process to end and for its output to be read.
    Result<CommandResult> wait();
    Status kill(int signal = 9);
    Status send_stdin(std::string_view data);
    Status close_stdin();
    // Stop receiving output; the process keeps running and can be connect()ed again.
    void disconnect();

    struct State;

private:
    friend class Commands;
    friend class Pty;
    explicit CommandHandle(std::shared_ptr<State> state);
    std::shared_ptr<State> state_;
};

class Commands {
public:
    // `cmd` runs as /bin/bash -l -c cmd.
    Result<CommandResult> run(std::string_view cmd, RunOptions options = {});
    // argv form: no shell.
    Result<CommandResult> run(std::vector<std::string> argv, RunOptions options = {});
    // Background forms: return at once with a handle.
    Result<CommandHandle> start(std::string_view cmd, RunOptions options = {});
    Result<CommandHandle> start(std::vector<std::string> argv, RunOptions options = {});
    Result<std::vector<ProcessInfo>> list();
    // Attach to a running process (from any host process); output from now on.
    Result<CommandHandle> connect(int pid, OutputCallback on_stdout = {},
                                  OutputCallback on_stderr = {});
    Status kill(int pid, int signal = 9);
    Status send_stdin(int pid, std::string_view data);

private:
    friend class Sandbox;
    explicit Commands(Sandbox* sandbox) : sandbox_(sandbox) {}
    Sandbox* sandbox_;
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

// Terminals in a sandbox (E2B `pty`). A PTY process gets its own session with the terminal as
// its controlling tty. It survives its creator's disconnect until killed or the sandbox ends.
class Pty {
public:
    // The handle's send_stdin() types into the terminal; its output goes to on_data and, as
    // for commands, into the result's stdout_data.
    Result<CommandHandle> create(PtyOptions options = {});
    Status send_stdin(int pid, std::string_view data);
    // The program sees the new size (TIOCGWINSZ) and gets SIGWINCH.
    Status resize(int pid, PtySize size);
    Status kill(int pid);
    Result<CommandHandle> connect(int pid, OutputCallback on_data = {});

private:
    friend class Sandbox;
    explicit Pty(Sandbox* sandbox) : sandbox_(sandbox) {}
    Sandbox* sandbox_;
};

class Sandbox {
public:
    static Result<Sandbox> create(const SandboxOptions& options = {},
                                  std::shared_ptr<Runtime> runtime = {});
    // From a validated spec (spec::build_spec or spec::spec_from_json).
    static Result<Sandbox> create_from_spec(spec::SandboxSpec spec,
                                            std::shared_ptr<Runtime> runtime = {});
    // Reach a running sandbox by id, from any process of the same host user.
    static Result<Sandbox> connect(std::string_view id, std::shared_ptr<Runtime> runtime = {});
    // Every sandbox of this host user in the runtime's state root, from any process (stale ones
    // are cleaned up).
    static Result<std::vector<SandboxInfo>> list(std::shared_ptr<Runtime> runtime = {});
    // Remove what dead sandboxes left behind (state directories, cgroups). Returns how many.
    static Result<int> gc(std::shared_ptr<Runtime> runtime = {});

    Sandbox(Sandbox&&) noexcept;
    Sandbox& operator=(Sandbox&&) noexcept;
    // Leaves the sandbox running until its timeout, as E2B does; kill() ends it.
    ~Sandbox();

    const std::string& id() const;
    Status kill();
    bool is_running() const;
    Result<SandboxInfo> info() const;
    Status set_timeout(std::chrono::seconds timeout);
    Commands& commands() { return commands_; }
    Filesystem& files() { return files_; }
    Pty& pty() { return pty_; }

    struct State;

private:
    friend class Commands;
    friend class Filesystem;
    friend class Pty;
    explicit Sandbox(std::shared_ptr<State> state);
    std::shared_ptr<State> state_;
    Commands commands_{this};
    Filesystem files_{this};
    Pty pty_{this};
};

} // namespace soulbox
