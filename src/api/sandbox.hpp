// The library's C++ implementation of sandboxes, commands and terminals: what capi/ lowers the
// C ABI onto. Never installed. Its classes live in soulbox::internal (an inline namespace), so
// inside src/ they are spelled soulbox::Sandbox as before, while their mangled names differ
// from the public header-only layer (include/soulbox/soulbox.hpp) of the same names: a program
// may link libsoulbox.a and use the public layer without an ODR clash.
#pragma once

#include "api/files.hpp"
#include "soulbox/error.hpp"
#include "soulbox/types.hpp"

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace soulbox {

namespace spec {
struct SandboxSpec;
}
inline namespace internal {

// What sandboxes of one configuration share (state root, cgroups, event loop); calls that take
// none use the default runtime, configured from the environment (src/runtime).
class Runtime;

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

} // namespace internal
} // namespace soulbox
