// SoulBox C++ API: sandboxes that run untrusted code on this host, in the shape of E2B's SDK.
//
//   auto sbx = soulbox::Sandbox::create({});
//   auto result = sbx->commands().run("python3 -c 'print(6*7)'");
//   // result->exit_code == 0, result->stdout_data == "42\n"
//
// Header-only over the stable C ABI (soulbox.h, libsoulbox.so.0): link soulbox::soulbox (CMake)
// or `pkg-config --libs soulbox`; no C++ symbol of the library is used, so any C++23 compiler
// and standard library work with any libsoulbox.so.0 at least as new as this header.
//
// Every fallible call returns Result<T> (std::expected<T, soulbox::Error>); nothing throws.
// Objects are safe to use from several threads at once unless a comment says otherwise.
// Callbacks (on_stdout, on_stderr, on_data, watch events) run on library worker threads, one at
// a time and in order per handle, never on the event loop: one that blocks holds up only its own
// handle. They may call other SoulBox functions (not wait() on their own handle), and must not
// throw (an exception cannot cross the C library: it ends the program).
#pragma once

#include "soulbox/c_bridge.hpp"
#include "soulbox/error.hpp"
#include "soulbox/files.hpp"
#include "soulbox/soulbox.h"
#include "soulbox/types.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace soulbox {

// A running (or finished) process. Movable, not copyable.
class CommandHandle {
public:
    CommandHandle(CommandHandle&&) noexcept = default;
    CommandHandle& operator=(CommandHandle&& other) noexcept {
        // The old process handle lets go of its callbacks before they are freed.
        process_ = std::move(other.process_);
        callbacks_ = std::move(other.callbacks_);
        return *this;
    }
    ~CommandHandle() = default; // disconnects (process_ goes first); the process keeps running

    int pid() const { return soulbox_process_pid(process_.get()); }
    // Wait for the process to end and for its output to be read.
    Result<CommandResult> wait() {
        return result([&](soulbox_command_result** out, auto err) {
            return soulbox_process_wait(out, process_.get(), err);
        });
    }
    Status kill(int signal = 9) {
        return detail::check(
            [&](auto err) { return soulbox_process_kill(process_.get(), signal, err); });
    }
    Status send_stdin(std::string_view data) {
        return detail::check([&](auto err) {
            return soulbox_process_send_stdin(process_.get(), data.data(), data.size(), err);
        });
    }
    Status close_stdin() {
        return detail::check(
            [&](auto err) { return soulbox_process_close_stdin(process_.get(), err); });
    }
    // Stop receiving output; the process keeps running and can be connect()ed again.
    void disconnect() { soulbox_process_disconnect(process_.get(), nullptr); }

private:
    friend class Commands;
    friend class Pty;
    CommandHandle(std::unique_ptr<detail::OutputCallbacks> callbacks,
                  detail::Owned<soulbox_process> process)
        : callbacks_(std::move(callbacks)), process_(std::move(process)) {}

    // A handle from a C call that fills a soulbox_process*, owning the callbacks it was given.
    template <class Call>
    static Result<CommandHandle> make(std::unique_ptr<detail::OutputCallbacks> callbacks,
                                      Call&& call) {
        auto process = detail::value<soulbox_process*>(call);
        if (!process) return std::unexpected(std::move(process.error()));
        return CommandHandle(std::move(callbacks), detail::Owned<soulbox_process>(*process));
    }
    template <class Call> static Result<CommandResult> result(Call&& call) {
        auto c = detail::value<soulbox_command_result*>(call);
        if (!c) return std::unexpected(std::move(c.error()));
        detail::Owned<soulbox_command_result> owned(*c);
        return detail::command_result(*c);
    }

    std::unique_ptr<detail::OutputCallbacks> callbacks_; // user_data of the C process
    detail::Owned<soulbox_process> process_;
};

class Commands {
public:
    // `cmd` runs as /bin/bash -l -c cmd.
    Result<CommandResult> run(std::string_view cmd, RunOptions options = {}) {
        std::string command(cmd);
        if (auto bad = text_check(options)(command, "cmd").error)
            return std::unexpected(std::move(*bad));
        detail::OutputCallbacks callbacks{options.on_stdout, options.on_stderr};
        Options c(options, callbacks);
        return CommandHandle::result([&](soulbox_command_result** out, auto err) {
            return soulbox_commands_run(out, sandbox(), command.c_str(), &c.options, err);
        });
    }
    // argv form: no shell.
    Result<CommandResult> run(std::vector<std::string> argv, RunOptions options = {}) {
        if (auto bad = text_check(options)(argv, "argv").error)
            return std::unexpected(std::move(*bad));
        auto args = detail::c_strings(argv);
        detail::OutputCallbacks callbacks{options.on_stdout, options.on_stderr};
        Options c(options, callbacks);
        return CommandHandle::result([&](soulbox_command_result** out, auto err) {
            return soulbox_commands_run_argv(out, sandbox(), args.data(), args.size(), &c.options,
                                             err);
        });
    }
    // Background forms: return at once with a handle.
    Result<CommandHandle> start(std::string_view cmd, RunOptions options = {}) {
        std::string command(cmd);
        if (auto bad = text_check(options)(command, "cmd").error)
            return std::unexpected(std::move(*bad));
        auto callbacks = std::make_unique<detail::OutputCallbacks>(std::move(options.on_stdout),
                                                                   std::move(options.on_stderr));
        Options c(options, *callbacks);
        return CommandHandle::make(std::move(callbacks), [&](soulbox_process** out, auto err) {
            return soulbox_commands_start(out, sandbox(), command.c_str(), &c.options, err);
        });
    }
    Result<CommandHandle> start(std::vector<std::string> argv, RunOptions options = {}) {
        if (auto bad = text_check(options)(argv, "argv").error)
            return std::unexpected(std::move(*bad));
        auto args = detail::c_strings(argv);
        auto callbacks = std::make_unique<detail::OutputCallbacks>(std::move(options.on_stdout),
                                                                   std::move(options.on_stderr));
        Options c(options, *callbacks);
        return CommandHandle::make(std::move(callbacks), [&](soulbox_process** out, auto err) {
            return soulbox_commands_start_argv(out, sandbox(), args.data(), args.size(), &c.options,
                                               err);
        });
    }
    Result<std::vector<ProcessInfo>> list() {
        auto c = detail::value<soulbox_process_info_list*>(
            [&](soulbox_process_info_list** out, auto err) {
                return soulbox_commands_list(out, sandbox(), err);
            });
        if (!c) return std::unexpected(std::move(c.error()));
        detail::Owned<soulbox_process_info_list> owned(*c);
        std::vector<ProcessInfo> infos;
        for (std::size_t i = 0, n = soulbox_process_info_list_count(*c); i < n; ++i)
            infos.push_back(detail::process_info(soulbox_process_info_list_get(*c, i)));
        return infos;
    }
    // Attach to a running process (from any host process); output from now on.
    Result<CommandHandle> connect(int pid, OutputCallback on_stdout = {},
                                  OutputCallback on_stderr = {}) {
        auto callbacks =
            std::make_unique<detail::OutputCallbacks>(std::move(on_stdout), std::move(on_stderr));
        auto* cb = callbacks.get();
        return CommandHandle::make(std::move(callbacks), [&](soulbox_process** out, auto err) {
            return soulbox_commands_connect(out, sandbox(), pid, cb->c_stdout(), cb->c_stderr(), cb,
                                            err);
        });
    }
    Status kill(int pid, int signal = 9) {
        return detail::check(
            [&](auto err) { return soulbox_commands_kill(sandbox(), pid, signal, err); });
    }
    Status send_stdin(int pid, std::string_view data) {
        return detail::check([&](auto err) {
            return soulbox_commands_send_stdin(sandbox(), pid, data.data(), data.size(), err);
        });
    }

private:
    friend class Sandbox;
    explicit Commands(const detail::Owned<soulbox_sandbox>& sandbox) : sandbox_(&sandbox) {}
    soulbox_sandbox* sandbox() const noexcept { return sandbox_->get(); }

    static detail::TextCheck text_check(const RunOptions& options) {
        detail::TextCheck check;
        check(options.envs, "envs")(options.cwd, "cwd")(options.user, "user")(options.tag, "tag");
        return check;
    }

    // RunOptions as the C struct; borrows the options' strings and `callbacks`.
    struct Options {
        soulbox_run_options options;
        std::vector<soulbox_kv> envs;
        Options(const RunOptions& given, detail::OutputCallbacks& callbacks)
            : envs(detail::key_values(given.envs)) {
            soulbox_run_options_init(&options);
            options.envs = envs.data();
            options.envs_count = envs.size();
            options.cwd = given.cwd.empty() ? nullptr : given.cwd.c_str();
            options.user = given.user.c_str();
            options.timeout_ms = given.timeout.count();
            options.on_stdout = callbacks.c_stdout();
            options.on_stderr = callbacks.c_stderr();
            options.user_data = &callbacks;
            options.stdin_open = given.stdin ? 1 : 0;
            options.tag = given.tag.c_str();
            options.max_output_bytes = given.max_output_bytes;
        }
    };

    const detail::Owned<soulbox_sandbox>* sandbox_; // the owning Sandbox's handle
};

// Terminals in a sandbox (E2B `pty`). A PTY process gets its own session with the terminal as
// its controlling tty. It survives its creator's disconnect until killed or the sandbox ends.
class Pty {
public:
    // The handle's send_stdin() types into the terminal; its output goes to on_data and, as
    // for commands, into the result's stdout_data.
    Result<CommandHandle> create(PtyOptions options = {}) {
        auto bad = detail::TextCheck{}(options.cmd, "cmd")(options.cwd, "cwd")(
            options.user, "user")(options.envs, "envs");
        if (bad.error) return std::unexpected(std::move(*bad.error));
        auto callbacks = std::make_unique<detail::OutputCallbacks>();
        callbacks->on_stdout = std::move(options.on_data);
        auto argv = detail::c_strings(options.cmd);
        auto envs = detail::key_values(options.envs);
        soulbox_pty_options c;
        soulbox_pty_options_init(&c);
        c.rows = options.size.rows;
        c.cols = options.size.cols;
        c.argv = argv.empty() ? nullptr : argv.data();
        c.argc = argv.size();
        c.cwd = options.cwd.empty() ? nullptr : options.cwd.c_str();
        c.user = options.user.c_str();
        c.envs = envs.data();
        c.envs_count = envs.size();
        c.timeout_ms = options.timeout.count();
        c.on_data = callbacks->c_stdout();
        c.user_data = callbacks.get();
        return CommandHandle::make(std::move(callbacks), [&](soulbox_process** out, auto err) {
            return soulbox_pty_create(out, sandbox(), &c, err);
        });
    }
    Status send_stdin(int pid, std::string_view data) {
        return detail::check([&](auto err) {
            return soulbox_pty_send_stdin(sandbox(), pid, data.data(), data.size(), err);
        });
    }
    // The program sees the new size (TIOCGWINSZ) and gets SIGWINCH.
    Status resize(int pid, PtySize size) {
        return detail::check([&](auto err) {
            return soulbox_pty_resize(sandbox(), pid, size.rows, size.cols, err);
        });
    }
    Status kill(int pid) {
        return detail::check([&](auto err) { return soulbox_pty_kill(sandbox(), pid, err); });
    }
    Result<CommandHandle> connect(int pid, OutputCallback on_data = {}) {
        auto callbacks = std::make_unique<detail::OutputCallbacks>();
        callbacks->on_stdout = std::move(on_data);
        auto* cb = callbacks.get();
        return CommandHandle::make(std::move(callbacks), [&](soulbox_process** out, auto err) {
            return soulbox_pty_connect(out, sandbox(), pid, cb->c_stdout(), cb, err);
        });
    }

private:
    friend class Sandbox;
    explicit Pty(const detail::Owned<soulbox_sandbox>& sandbox) : sandbox_(&sandbox) {}
    soulbox_sandbox* sandbox() const noexcept { return sandbox_->get(); }

    const detail::Owned<soulbox_sandbox>* sandbox_; // the owning Sandbox's handle
};

// What the sandboxes of one configuration share in a process: state directory, cgroups, event
// loop, callback threads and a log hook. The calls that take none use the default runtime,
// configured from SOULBOX_STATE_DIR, SOULBOX_CGROUP and SOULBOX_IO. Runtimes with different
// state directories work side by side. Movable; sandboxes made through one keep it alive.
class Runtime {
public:
    static Result<Runtime> create(RuntimeOptions options = {}) {
        auto bad = detail::TextCheck{}(options.state_dir, "state_dir")(options.cgroup,
                                                                       "cgroup")(options.io, "io");
        if (bad.error) return std::unexpected(std::move(*bad.error));
        soulbox_runtime_options c;
        soulbox_runtime_options_init(&c);
        c.state_dir = options.state_dir.empty() ? nullptr : options.state_dir.c_str();
        c.cgroup = options.cgroup.c_str();
        c.io = options.io.c_str();
        if (options.log) {
            // Owned by the library from here: it frees the hook when the runtime is gone.
            c.log = &Runtime::forward_log;
            c.log_user_data = new LogHook(std::move(options.log));
            c.log_user_data_free = &Runtime::free_log;
        }
        auto handle = detail::value<soulbox_runtime*>(
            [&](soulbox_runtime** out, auto err) { return soulbox_runtime_new(out, &c, err); });
        if (!handle) return std::unexpected(std::move(handle.error()));
        return Runtime(detail::Owned<soulbox_runtime>(*handle));
    }

    std::string state_dir() const { return soulbox_runtime_state_dir(handle_.get()); }
    // The C handle, borrowed, for code that also calls the C ABI.
    soulbox_runtime* c_handle() const noexcept { return handle_.get(); }

private:
    explicit Runtime(detail::Owned<soulbox_runtime> handle) : handle_(std::move(handle)) {}
    static void forward_log(soulbox_log_level level, const char* message, void* hook) {
        (*static_cast<LogHook*>(hook))(static_cast<LogLevel>(level), message);
    }
    static void free_log(void* hook) { delete static_cast<LogHook*>(hook); }

    detail::Owned<soulbox_runtime> handle_;
};

class Sandbox {
public:
    static Result<Sandbox> create(const SandboxOptions& options = {}) {
        return create_in(nullptr, options);
    }
    static Result<Sandbox> create(const SandboxOptions& options, const Runtime& runtime) {
        return create_in(runtime.c_handle(), options);
    }
    // From a sandbox spec in its JSON form (docs/design.md "SandboxSpec"); validated first. A
    // spec names host paths: take it from the application, never from an untrusted client.
    static Result<Sandbox> create_from_spec_json(std::string_view spec_json) {
        std::string json(spec_json);
        if (auto bad = detail::TextCheck{}(json, "spec_json").error)
            return std::unexpected(std::move(*bad));
        return adopt([&](soulbox_sandbox** out, auto err) {
            return soulbox_sandbox_create_from_spec_json(out, json.c_str(), err);
        });
    }
    // Reach a running sandbox by id, from any process of the same host user.
    static Result<Sandbox> connect(std::string_view id) { return connect_in(nullptr, id); }
    static Result<Sandbox> connect(std::string_view id, const Runtime& runtime) {
        return connect_in(runtime.c_handle(), id);
    }
    // Every sandbox of this host user, from any process (stale ones are cleaned up).
    static Result<std::vector<SandboxInfo>> list() { return list_in(nullptr); }
    static Result<std::vector<SandboxInfo>> list(const Runtime& runtime) {
        return list_in(runtime.c_handle());
    }
    // Remove what dead sandboxes left behind (state directories, cgroups). Returns how many.
    static Result<int> gc() { return gc_in(nullptr); }
    static Result<int> gc(const Runtime& runtime) { return gc_in(runtime.c_handle()); }

    // The members bind to this object's own handle_, so a move only moves the handle.
    Sandbox(Sandbox&& other) noexcept
        : handle_(std::move(other.handle_)), id_(std::move(other.id_)) {}
    Sandbox& operator=(Sandbox&& other) noexcept {
        handle_ = std::move(other.handle_);
        id_ = std::move(other.id_);
        return *this;
    }
    // Leaves the sandbox running until its timeout, as E2B does; kill() ends it.
    ~Sandbox() = default;

    const std::string& id() const { return id_; }
    Status kill() {
        return detail::check([&](auto err) { return soulbox_sandbox_kill(handle_.get(), err); });
    }
    bool is_running() const {
        auto running = detail::value<int>([&](int* out, auto err) {
            return soulbox_sandbox_is_running(out, handle_.get(), err);
        });
        return running && *running != 0;
    }
    Result<SandboxInfo> info() const {
        auto c = detail::value<soulbox_sandbox_info*>([&](soulbox_sandbox_info** out, auto err) {
            return soulbox_sandbox_get_info(out, handle_.get(), err);
        });
        if (!c) return std::unexpected(std::move(c.error()));
        detail::Owned<soulbox_sandbox_info> owned(*c);
        return detail::sandbox_info(*c);
    }
    Status set_timeout(std::chrono::seconds timeout) {
        return detail::check([&](auto err) {
            return soulbox_sandbox_set_timeout(handle_.get(), timeout.count(), err);
        });
    }
    Commands& commands() { return commands_; }
    Filesystem& files() { return files_; }
    Pty& pty() { return pty_; }
    // The C handle, borrowed, for code that also calls the C ABI on this sandbox.
    soulbox_sandbox* c_handle() const noexcept { return handle_.get(); }

private:
    explicit Sandbox(detail::Owned<soulbox_sandbox> handle)
        : handle_(std::move(handle)), id_(soulbox_sandbox_id(handle_.get())) {}

    static Result<Sandbox> create_in(soulbox_runtime* runtime, const SandboxOptions& options) {
        auto bad = detail::TextCheck{}(options.template_name, "template_name")(
            options.envs, "envs")(options.metadata, "metadata")(options.hostname, "hostname");
        if (bad.error) return std::unexpected(std::move(*bad.error));
        // The C struct spells "default" as cpus < 0, so a negative request is refused here.
        if (auto cpus = options.limits.cpus; cpus && !(*cpus >= 0))
            return std::unexpected(
                make_error(Errc::invalid_argument, "cpus must be a finite number >= 0"));
        auto envs = detail::key_values(options.envs);
        auto metadata = detail::key_values(options.metadata);
        soulbox_sandbox_options c;
        soulbox_sandbox_options_init(&c);
        c.template_name = options.template_name.c_str();
        c.timeout_seconds = options.timeout.count();
        c.envs = envs.data();
        c.envs_count = envs.size();
        c.metadata = metadata.data();
        c.metadata_count = metadata.size();
        c.hostname = options.hostname.empty() ? nullptr : options.hostname.c_str();
        const auto& limits = options.limits;
        c.memory_bytes = limits.memory_bytes.value_or(SOULBOX_LIMIT_DEFAULT);
        c.pids = limits.pids.value_or(SOULBOX_LIMIT_DEFAULT);
        c.cpus = limits.cpus.value_or(-1);
        c.disk_bytes = limits.disk_bytes.value_or(SOULBOX_LIMIT_DEFAULT);
        return adopt([&](soulbox_sandbox** out, auto err) {
            return soulbox_sandbox_create_in(out, runtime, &c, err);
        });
    }
    static Result<Sandbox> connect_in(soulbox_runtime* runtime, std::string_view id) {
        std::string name(id);
        if (auto bad = detail::TextCheck{}(name, "id").error)
            return std::unexpected(std::move(*bad));
        return adopt([&](soulbox_sandbox** out, auto err) {
            return soulbox_sandbox_connect_in(out, runtime, name.c_str(), err);
        });
    }
    static Result<std::vector<SandboxInfo>> list_in(soulbox_runtime* runtime) {
        auto c = detail::value<soulbox_sandbox_info_list*>(
            [&](soulbox_sandbox_info_list** out, auto err) {
                return soulbox_sandbox_list_in(out, runtime, err);
            });
        if (!c) return std::unexpected(std::move(c.error()));
        detail::Owned<soulbox_sandbox_info_list> owned(*c);
        std::vector<SandboxInfo> infos;
        for (std::size_t i = 0, n = soulbox_sandbox_info_list_count(*c); i < n; ++i)
            infos.push_back(detail::sandbox_info(soulbox_sandbox_info_list_get(*c, i)));
        return infos;
    }
    static Result<int> gc_in(soulbox_runtime* runtime) {
        return detail::value<int>(
            [&](int* out, auto err) { return soulbox_sandbox_gc_in(out, runtime, err); });
    }

    template <class Call> static Result<Sandbox> adopt(Call&& call) {
        auto c = detail::value<soulbox_sandbox*>(call);
        if (!c) return std::unexpected(std::move(c.error()));
        return Sandbox(detail::Owned<soulbox_sandbox>(*c));
    }

    detail::Owned<soulbox_sandbox> handle_;
    std::string id_;
    Commands commands_{handle_};
    Filesystem files_{handle_};
    Pty pty_{handle_};
};

} // namespace soulbox
