// Processes in a sandbox (E2B `commands`): run, background handles, list, connect, signals.
//
// The agent creates each process's pipes and passes the read ends to us, so output flows from
// the process to this host process with no relay. The event loop reads them; an exit event on
// the control channel ends the command once the output written before exit has been read.
#include "io/event_loop.hpp"
#include "process/process_internal.hpp"
#include "sandbox/sandbox_state.hpp"
#include "spec/spec.hpp"

#include <cerrno>
#include <condition_variable>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <unistd.h>

namespace soulbox {

using protocol::Field;
using protocol::Message;
using protocol::Op;

namespace {

using process::invalid;

const char* signal_name(int sig) {
    const char* name = sigabbrev_np(sig);
    return name ? name : "?";
}

// A handle's callbacks fall this far behind its output before its streams pause (the pipe then
// fills and the process blocks, not the host's memory); they resume once it is down to the low
// mark.
constexpr std::size_t kCallbackBacklogHigh = 8u << 20;
constexpr std::size_t kCallbackBacklogLow = 1u << 20;

using StatePtr = std::shared_ptr<CommandHandle::State>;
using WeakState = std::weak_ptr<CommandHandle::State>;

// On the loop thread: append to the stored result up to the cap, and queue every byte for the
// callback on the handle's strand. Returns false to pause the stream.
bool deliver(const StatePtr& s, bool is_stdout, std::span<const std::byte> chunk) {
    std::string_view text(reinterpret_cast<const char*>(chunk.data()), chunk.size());
    {
        std::lock_guard lock(s->mutex);
        std::string& store = is_stdout ? s->result.stdout_data : s->result.stderr_data;
        bool& truncated = is_stdout ? s->result.stdout_truncated : s->result.stderr_truncated;
        std::size_t room = s->max_output > store.size() ? s->max_output - store.size() : 0;
        if (text.size() > room) truncated = true;
        store.append(text.substr(0, room));
    }
    if (!(is_stdout ? s->on_stdout : s->on_stderr)) return true;
    const std::size_t queued = s->callbacks->post(
        [weak = WeakState(s), is_stdout, copy = std::string(text)] {
            if (auto held = weak.lock()) (is_stdout ? held->on_stdout : held->on_stderr)(copy);
        },
        text.size());
    if (queued <= kCallbackBacklogHigh) return true;
    (is_stdout ? s->stdout_paused : s->stderr_paused) = true;
    return false;
}

// Runs `fn` after the callbacks queued so far (or at once without callbacks).
void after_callbacks(const StatePtr& s, std::function<void()> fn) {
    if (s->callbacks)
        s->callbacks->post(std::move(fn));
    else
        fn();
}

void watch_output(const StatePtr& state) {
    auto& loop = state->sandbox->runtime->loop();
    // The loop holds only weak references: a dropped handle stops its streams in ~State.
    WeakState weak = state;
    if (state->on_stdout || state->on_stderr) {
        state->callbacks = state->sandbox->runtime->callbacks().make_strand();
        // Resumed on the loop thread, which alone touches the paused flags.
        // The loop outlives the strand: both belong to the handle's runtime.
        io::EventLoop* on_loop = &loop;
        state->callbacks->on_drained(kCallbackBacklogHigh, kCallbackBacklogLow, [weak, on_loop] {
            on_loop->post([weak, on_loop] {
                auto s = weak.lock();
                if (!s) return;
                if (std::exchange(s->stdout_paused, false)) on_loop->resume(s->stdout_watch);
                if (std::exchange(s->stderr_paused, false)) on_loop->resume(s->stderr_watch);
            });
        });
    }
    auto stream = [&](bool is_stdout) {
        int fd = is_stdout ? state->stdout_reader.get() : state->stderr_reader.get();
        return loop.read_stream(
            fd,
            [weak, is_stdout](std::span<const std::byte> chunk) {
                auto s = weak.lock();
                return !s || deliver(s, is_stdout, chunk);
            },
            [weak, is_stdout](int) {
                auto s = weak.lock();
                if (!s) return;
                // The stream counts as ended once its callbacks have all run, so wait()
                // returns after the last on_stdout call.
                after_callbacks(s, [weak, is_stdout] {
                    auto ended = weak.lock();
                    if (!ended) return;
                    std::lock_guard lock(ended->mutex);
                    (is_stdout ? ended->stdout_open : ended->stderr_open) = false;
                    ended->changed.notify_all();
                });
            });
    };
    state->stdout_watch = stream(true);
    if (state->stderr_reader) state->stderr_watch = stream(false);
}

void on_exit(const std::weak_ptr<CommandHandle::State>& weak, const Message& event) {
    auto s = weak.lock();
    if (!s) return;
    io::EventLoop::WatchId out = 0, err = 0;
    {
        std::lock_guard lock(s->mutex);
        s->exited = true;
        if (auto code = event.get_u64(Field::exit_code)) {
            s->result.exit_code = static_cast<int>(*code);
        } else if (auto sig = event.get_u64(Field::term_signal)) {
            s->result.signal = static_cast<int>(*sig);
        } else {
            s->agent_gone = true; // the sandbox ended under the command
        }
        s->result.timed_out = event.get_u64(Field::timed_out).value_or(0) != 0;
        out = s->stdout_open ? s->stdout_watch : 0;
        err = s->stderr_open ? s->stderr_watch : 0;
        s->changed.notify_all();
    }
    // Output written before the exit is in the pipes now; take it and stop, even if a
    // background child still holds the pipe open.
    auto& loop = s->sandbox->runtime->loop();
    if (out) loop.finish_stream(out);
    if (err) loop.finish_stream(err);
}

} // namespace

// Shared by start() and connect(): wrap a spawn/attach reply into a handle.
namespace process {

// Write to a process's stdin pipe. A reader that has gone away would raise SIGPIPE, which kills
// an embedding program that did not ignore it: block it on this thread for the write and
// swallow the one our write caused.
Status write_all(int fd, std::string_view data) {
    sigset_t pipe_only, old_mask, pending;
    sigemptyset(&pipe_only);
    sigaddset(&pipe_only, SIGPIPE);
    ::pthread_sigmask(SIG_BLOCK, &pipe_only, &old_mask);
    sigpending(&pending);
    bool was_pending = sigismember(&pending, SIGPIPE);
    Status status;
    while (!data.empty()) {
        ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) {
            pollfd p{fd, POLLOUT, 0};
            ::poll(&p, 1, -1);
            continue;
        }
        if (n < 0) {
            if (errno == EPIPE) {
                status =
                    std::unexpected(Error{Errc::not_running, EPIPE, "process closed its stdin"});
                if (!was_pending) {
                    timespec zero{};
                    ::sigtimedwait(&pipe_only, nullptr, &zero);
                }
            } else {
                status = std::unexpected(sys_error("write to process stdin"));
            }
            break;
        }
        data.remove_prefix(static_cast<std::size_t>(n));
    }
    ::pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
    return status;
}

Result<Message> request(Sandbox::State& sandbox, Message message, ErrorSubject subject) {
    auto reply = sandbox.channel->request(std::move(message));
    if (!reply && reply.error().code == Errc::not_found) reply.error().about(subject);
    return reply;
}

Status signal_process(Sandbox::State& sandbox, int pid, int signal) {
    if (signal <= 0 || signal >= NSIG) return std::unexpected(invalid("invalid signal number"));
    Message request(Op::signal, 0);
    request.add_u64(Field::pid, static_cast<std::uint64_t>(pid));
    request.add_u64(Field::signal, static_cast<std::uint64_t>(signal));
    auto reply = process::request(sandbox, std::move(request), ErrorSubject::process);
    if (!reply) return std::unexpected(reply.error());
    return {};
}

Result<Message> spawn_request(const SpawnSpec& spec) {
    const auto& argv = spec.argv;
    if (argv.empty() || argv[0].empty()) return std::unexpected(invalid("empty command"));
    for (const auto& arg : argv)
        if (arg.find('\0') != std::string::npos)
            return std::unexpected(invalid("command contains a NUL byte"));
    for (const auto& [k, v] : spec.envs) {
        if (auto s = spec::validate_env_name(k); !s) return std::unexpected(s.error());
        if (v.find('\0') != std::string::npos)
            return std::unexpected(invalid("environment variable '" + k + "' contains NUL"));
    }
    if (spec.cwd.find('\0') != std::string::npos)
        return std::unexpected(invalid("cwd contains NUL"));
    if (auto s = spec::validate_user(spec.user); !s) return std::unexpected(s.error());
    if (spec.timeout.count() < 0) return std::unexpected(invalid("timeout must be >= 0"));
    Message request(Op::spawn, 0);
    for (const auto& arg : argv)
        request.add(Field::argv, arg);
    for (const auto& [k, v] : spec.envs)
        request.add(Field::env, k + "=" + v);
    if (!spec.cwd.empty()) request.add(Field::cwd, spec.cwd);
    request.add(Field::user, spec.user);
    request.add(Field::tag, spec.tag);
    request.add_u64(Field::timeout_ms, static_cast<std::uint64_t>(spec.timeout.count()));
    return request;
}

Result<std::shared_ptr<CommandHandle::State>> adopt(const std::shared_ptr<Sandbox::State>& sandbox,
                                                    Message& reply, OutputCallback on_stdout,
                                                    OutputCallback on_stderr,
                                                    std::size_t max_output) {
    auto pid = reply.get_u64(Field::pid);
    bool is_pty = reply.get_u64(Field::is_pty).value_or(0) != 0;
    bool has_stdin = reply.get_u64(Field::has_stdin).value_or(0) != 0;
    auto& fds = reply.fds();
    std::size_t expected = is_pty ? 1 : has_stdin ? 3 : 2;
    if (!pid || fds.size() != expected)
        return std::unexpected(make_error(Errc::protocol, "malformed process reply from agent"));
    auto state = std::make_shared<CommandHandle::State>();
    state->sandbox = sandbox;
    state->pid = static_cast<int>(*pid);
    if (is_pty) {
        // One descriptor is the terminal: output is read from it and input written to it.
        state->stdin_writer.reset(::fcntl(fds[0].get(), F_DUPFD_CLOEXEC, 0));
        state->stdout_reader = std::move(fds[0]);
        state->stderr_open = false;
    } else {
        std::size_t i = 0;
        if (has_stdin) state->stdin_writer = std::move(fds[i++]);
        state->stdout_reader = std::move(fds[i++]);
        state->stderr_reader = std::move(fds[i++]);
    }
    state->on_stdout = std::move(on_stdout);
    state->on_stderr = std::move(on_stderr);
    state->max_output = max_output;
    if (auto& group = sandbox->resources->group)
        if (auto count = group->oom_kill_count()) state->oom_baseline = *count;
    // An older handle on this pid stops reading before this one starts.
    sandbox->channel->supersede(state->pid);
    watch_output(state);
    std::weak_ptr<CommandHandle::State> weak = state;
    state->exit_token = sandbox->channel->set_exit_handler(
        state->pid, [weak](const Message& event) { on_exit(weak, event); },
        [weak] {
            if (auto s = weak.lock()) s->mark_detached(true);
        });
    return state;
}

} // namespace process

CommandHandle::CommandHandle(std::shared_ptr<State> state) : state_(std::move(state)) {}
CommandHandle::CommandHandle(CommandHandle&&) noexcept = default;
CommandHandle& CommandHandle::operator=(CommandHandle&&) noexcept = default;
CommandHandle::~CommandHandle() {
    if (state_) {
        std::unique_lock lock(state_->mutex);
        bool finished = state_->finished();
        lock.unlock();
        if (!finished) disconnect();
    }
}

int CommandHandle::pid() const {
    return state_ ? state_->pid : 0;
}

Result<CommandResult> CommandHandle::wait() {
    if (!state_) return std::unexpected(invalid("command handle was moved from"));
    if (state_->sandbox->runtime->loop().on_loop_thread() ||
        (state_->callbacks && state_->callbacks->on_own_thread()))
        return std::unexpected(invalid("wait() cannot be called from its own output callback"));
    State& s = *state_;
    std::unique_lock lock(s.mutex);
    s.changed.wait(lock, [&] { return s.finished() || s.detached; });
    if (s.detached)
        return std::unexpected(invalid(s.superseded ? "command handle is disconnected: another "
                                                      "handle connected to process " +
                                                          std::to_string(s.pid)
                                                    : "command handle is disconnected"));
    CommandResult result = s.result;
    lock.unlock();

    if (s.agent_gone) {
        result.error = "sandbox ended while the command was running";
        return result;
    }
    if (result.signal == SIGKILL && s.oom_baseline)
        if (auto count = s.sandbox->resources->group->oom_kill_count();
            count && *count > *s.oom_baseline)
            result.oom_killed = true;
    if (result.timed_out)
        result.error = "command timed out";
    else if (result.oom_killed)
        result.error = "killed by the OOM killer: the sandbox memory limit (" +
                       std::to_string(s.sandbox->resources->record.limits.memory_bytes) +
                       " bytes) was exceeded";
    else if (result.signal)
        result.error = "killed by signal " + std::to_string(result.signal) + " (SIG" +
                       signal_name(result.signal) + ")";
    else if (result.exit_code != 0)
        result.error = "exit status " + std::to_string(result.exit_code);
    if (result.signal) result.exit_code = -1;
    return result;
}

Status CommandHandle::kill(int signal) {
    if (!state_) return std::unexpected(invalid("command handle was moved from"));
    return state_->sandbox ? process::signal_process(*state_->sandbox, state_->pid, signal)
                           : Status{};
}

Status CommandHandle::send_stdin(std::string_view data) {
    if (!state_) return std::unexpected(invalid("command handle was moved from"));
    std::lock_guard lock(state_->mutex);
    if (!state_->stdin_writer)
        return std::unexpected(invalid("stdin is not open (start the command with stdin=true)"));
    return process::write_all(state_->stdin_writer.get(), data);
}

Status CommandHandle::close_stdin() {
    if (!state_) return std::unexpected(invalid("command handle was moved from"));
    {
        std::lock_guard lock(state_->mutex);
        state_->stdin_writer.reset();
    }
    Message request(Op::close_stdin, 0);
    request.add_u64(Field::pid, static_cast<std::uint64_t>(state_->pid));
    auto reply = state_->sandbox->channel->request(std::move(request));
    if (!reply && reply.error().code != Errc::not_found) return std::unexpected(reply.error());
    return {};
}

void CommandHandle::disconnect() {
    if (!state_) return;
    State& s = *state_;
    if (!s.mark_detached(false)) return;
    // A handle that connected to the same process since owns the subscription now: leave it.
    if (!s.sandbox->channel->clear_exit_handler(s.pid, s.exit_token)) return;
    // The agent drains the output from now on, so the process never blocks on a full pipe.
    if (!s.sandbox->runtime->loop().on_loop_thread()) {
        Message request(Op::detach, 0);
        request.add_u64(Field::pid, static_cast<std::uint64_t>(s.pid));
        (void)s.sandbox->channel->request(std::move(request));
    }
}

Result<CommandHandle> Commands::start(std::vector<std::string> argv, RunOptions options) {
    if (!sandbox_->state_) return std::unexpected(invalid("sandbox object was moved from"));
    auto request = process::spawn_request(
        {argv, options.envs, options.cwd, options.user, options.tag, options.timeout});
    if (!request) return std::unexpected(request.error());
    request->add_u64(Field::open_stdin, options.stdin ? 1 : 0);
    auto reply = process::request(*sandbox_->state_, std::move(*request), ErrorSubject::path);
    if (!reply) return std::unexpected(reply.error());
    auto state = process::adopt(sandbox_->state_, *reply, std::move(options.on_stdout),
                                std::move(options.on_stderr), options.max_output_bytes);
    if (!state) return std::unexpected(state.error());
    return CommandHandle(std::move(*state));
}

Result<CommandHandle> Commands::start(std::string_view cmd, RunOptions options) {
    if (cmd.empty()) return std::unexpected(invalid("empty command"));
    return start(std::vector<std::string>{"/bin/bash", "-l", "-c", std::string(cmd)},
                 std::move(options));
}

Result<CommandResult> Commands::run(std::vector<std::string> argv, RunOptions options) {
    auto handle = start(std::move(argv), std::move(options));
    if (!handle) return std::unexpected(handle.error());
    return handle->wait();
}

Result<CommandResult> Commands::run(std::string_view cmd, RunOptions options) {
    auto handle = start(cmd, std::move(options));
    if (!handle) return std::unexpected(handle.error());
    return handle->wait();
}

Result<std::vector<ProcessInfo>> Commands::list() {
    if (!sandbox_->state_) return std::unexpected(invalid("sandbox object was moved from"));
    auto reply = sandbox_->state_->channel->request(Message(Op::list, 0));
    if (!reply) return std::unexpected(reply.error());
    std::vector<ProcessInfo> out;
    for (auto raw : reply->get_all(Field::process)) {
        auto entry = Message::decode_fields(raw);
        if (!entry) return std::unexpected(entry.error());
        ProcessInfo info;
        info.pid = static_cast<int>(entry->get_u64(Field::pid).value_or(0));
        info.tag = std::string(entry->get(Field::tag).value_or(""));
        info.cwd = std::string(entry->get(Field::cwd).value_or(""));
        auto argv = entry->get_all(Field::argv);
        if (!argv.empty()) info.cmd = std::string(argv[0]);
        for (std::size_t i = 1; i < argv.size(); ++i)
            info.args.emplace_back(argv[i]);
        for (auto kv : entry->get_all(Field::env)) {
            auto eq = kv.find('=');
            if (eq != std::string_view::npos)
                info.envs[std::string(kv.substr(0, eq))] = std::string(kv.substr(eq + 1));
        }
        out.push_back(std::move(info));
    }
    return out;
}

Result<CommandHandle> Commands::connect(int pid, OutputCallback on_stdout,
                                        OutputCallback on_stderr) {
    if (!sandbox_->state_) return std::unexpected(invalid("sandbox object was moved from"));
    if (pid <= 0) return std::unexpected(invalid("invalid pid"));
    Message request(Op::attach, 0);
    request.add_u64(Field::pid, static_cast<std::uint64_t>(pid));
    auto reply = process::request(*sandbox_->state_, std::move(request), ErrorSubject::process);
    if (!reply) return std::unexpected(reply.error());
    auto state = process::adopt(sandbox_->state_, *reply, std::move(on_stdout),
                                std::move(on_stderr), RunOptions{}.max_output_bytes);
    if (!state) return std::unexpected(state.error());
    return CommandHandle(std::move(*state));
}

Status Commands::kill(int pid, int signal) {
    if (!sandbox_->state_) return std::unexpected(invalid("sandbox object was moved from"));
    return process::signal_process(*sandbox_->state_, pid, signal);
}

Status Commands::send_stdin(int pid, std::string_view data) {
    if (!sandbox_->state_) return std::unexpected(invalid("sandbox object was moved from"));
    Message request(Op::stdin_fd, 0);
    request.add_u64(Field::pid, static_cast<std::uint64_t>(pid));
    auto reply = process::request(*sandbox_->state_, std::move(request), ErrorSubject::process);
    if (!reply) return std::unexpected(reply.error());
    if (reply->fds().size() != 1)
        return std::unexpected(make_error(Errc::protocol, "agent sent no stdin descriptor"));
    return process::write_all(reply->fds()[0].get(), data);
}

} // namespace soulbox
