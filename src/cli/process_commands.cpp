// run and exec: a command in a sandbox, its output streamed through, its status as ours.
#include "cli/commands.hpp"
#include "cli/console.hpp"
#include "cli/json_output.hpp"
#include "cli/signals.hpp"

#include <cerrno>
#include <fmt/format.h>
#include <unistd.h>

namespace soulbox::cli {

namespace {

using namespace std::chrono_literals;

// Exit codes for a command that did not simply exit, as timeout(1) and shells report them.
constexpr int kExitTimedOut = 124;
constexpr int kExitSignalBase = 128;

constexpr std::chrono::seconds kDefaultRunTimeout = 300s;
// A one-shot sandbox outlives its command's timeout by this much, so the command's own timeout
// (exit 124) fires first; the sandbox lifetime only matters if this CLI dies without killing
// the sandbox.
constexpr std::chrono::seconds kLifetimeGrace = 10s;

OutputCallback stream_to(int fd) {
    return [fd](std::string_view chunk) {
        if (!write_all(fd, chunk) && errno == EPIPE) raise_broken_pipe();
    };
}

RunOptions process_options(const Invocation& inv, std::chrono::seconds timeout) {
    RunOptions options;
    options.envs = inv.envs;
    options.cwd = inv.cwd;
    options.user = inv.user;
    options.timeout = timeout;
    if (!inv.json) {
        options.on_stdout = stream_to(STDOUT_FILENO);
        options.on_stderr = stream_to(STDERR_FILENO);
    }
    return options;
}

// The CLI's exit code for a finished command, after printing what the user must know.
int finish(const Invocation& inv, const Result<CommandResult>& result) {
    if (!result) return report("wait for command", result.error());
    const CommandResult& r = *result;
    if (inv.json) {
        (void)write_all(STDOUT_FILENO, command_result_json(r) + "\n");
        if (r.stdout_truncated || r.stderr_truncated)
            print_error(fmt::format("warning: output beyond {} bytes per stream was dropped",
                                    RunOptions{}.max_output_bytes));
    }
    bool ended_by_sandbox = !r.timed_out && r.signal == 0 && r.exit_code < 0;
    // In streaming mode, say why the command ended when its exit code alone would puzzle.
    if (!inv.json && (r.timed_out || r.oom_killed || ended_by_sandbox)) print_error(r.error);
    if (r.timed_out) return kExitTimedOut;
    if (r.signal) return kExitSignalBase + r.signal;
    if (ended_by_sandbox) {
        if (inv.json) print_error(r.error);
        return kExitFailure;
    }
    return r.exit_code;
}

} // namespace

int run_command(Invocation& inv) {
    std::chrono::seconds timeout = inv.timeout.value_or(kDefaultRunTimeout);
    SandboxOptions options = std::move(inv.sandbox);
    options.timeout = timeout.count() ? timeout + kLifetimeGrace : 0s;

    // A signal while the sandbox is being made is acted on once there is one to kill.
    std::optional<Sandbox> sandbox;
    if (auto created = create_killable_sandbox(options, sandbox); !created)
        return report("create sandbox", created.error());

    auto result = sandbox->commands().run(inv.argv, process_options(inv, timeout));
    // If a signal is why the command ended, the action is killing the sandbox and will exit.
    wait_for_signal_action();
    int status = result ? finish(inv, result) : report("", result.error());
    if (auto killed = sandbox->kill(); !killed && killed.error().code != Errc::not_running)
        report("remove sandbox " + sandbox->id(), killed.error());
    set_signal_action({});
    return status;
}

int exec_command(Invocation& inv) {
    auto sandbox = Sandbox::connect(inv.sandbox_id);
    if (!sandbox) return report("exec", sandbox.error());
    // Without --timeout the command runs until it ends or the sandbox does.
    auto handle =
        sandbox->commands().start(inv.argv, process_options(inv, inv.timeout.value_or(0s)));
    if (!handle) return report("", handle.error());
    // Like ssh or docker exec: a signal to us goes to the command, whose exit then ends us.
    set_signal_action([&handle](int signal) { (void)handle->kill(signal); });
    auto result = handle->wait();
    set_signal_action({});
    return finish(inv, result);
}

} // namespace soulbox::cli
