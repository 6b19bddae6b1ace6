// shell: this terminal attached to a new terminal in a sandbox, as `ssh -t` or
// `docker exec -it` do.
#include "cli/commands.hpp"
#include "cli/console.hpp"
#include "cli/signals.hpp"
#include "cli/terminal.hpp"

#include <cerrno>
#include <condition_variable>
#include <csignal>
#include <cstdint>
#include <fcntl.h>
#include <memory>
#include <mutex>
#include <poll.h>
#include <thread>
#include <unistd.h>

namespace soulbox::cli {

namespace {

constexpr int kExitSignalBase = 128;
// Typed when piped input ends: at an empty prompt it is end of input, so the shell exits once
// it has run everything before it, as a shell reading a file would.
constexpr std::string_view kEndOfInput = "\x04";

// Counts the terminal's output chunks, so the input side can tell that the terminal moved on.
struct OutputTicker {
    std::mutex mutex;
    std::condition_variable changed;
    std::uint64_t chunks = 0;
    bool stopping = false;
};

// Copies stdin into the terminal in the sandbox, on its own thread, until stdin ends, the
// process stops taking input, or stop() is called.
//
// When stdin is not a terminal, its end is passed on as Ctrl-D. One Ctrl-D is not enough: if
// it arrives before the shell's line editor has switched the terminal out of canonical mode,
// the switch turns it into a plain byte and it is lost. So after the end of stdin, Ctrl-D is
// typed again each time the terminal shows new output (a new prompt), until the shell ends.
class InputPump {
public:
    InputPump(CommandHandle& handle, std::shared_ptr<OutputTicker> ticker)
        : handle_(handle), ticker_(std::move(ticker)) {}
    InputPump(const InputPump&) = delete;
    InputPump& operator=(const InputPump&) = delete;
    ~InputPump() { stop(); }

    bool start() {
        if (::pipe2(stop_pipe_, O_CLOEXEC) != 0) return false;
        thread_ = std::thread([this] {
            if (copy_input() && ticker_) keep_ending_input();
        });
        return true;
    }

    void stop() {
        if (!thread_.joinable()) return;
        if (ticker_) {
            std::lock_guard lock(ticker_->mutex);
            ticker_->stopping = true;
            ticker_->changed.notify_all();
        }
        (void)!::write(stop_pipe_[1], "x", 1);
        thread_.join();
        ::close(stop_pipe_[0]);
        ::close(stop_pipe_[1]);
    }

private:
    // True when stdin ended (rather than stop() or the process going away).
    bool copy_input() {
        pollfd fds[2] = {{STDIN_FILENO, POLLIN, 0}, {stop_pipe_[0], POLLIN, 0}};
        char buffer[4096];
        for (;;) {
            if (::poll(fds, 2, -1) < 0) {
                if (errno == EINTR) continue;
                return false;
            }
            if (fds[1].revents) return false;
            if (!fds[0].revents) continue;
            ssize_t n = ::read(STDIN_FILENO, buffer, sizeof buffer);
            if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
            if (n <= 0) return true;
            // The process has ended (or stopped taking input): wait() will say how.
            if (!handle_.send_stdin(std::string_view(buffer, static_cast<std::size_t>(n))))
                return false;
        }
    }

    void keep_ending_input() {
        std::uint64_t seen = 0;
        for (;;) {
            {
                std::unique_lock lock(ticker_->mutex);
                seen = ticker_->chunks;
            }
            if (!handle_.send_stdin(kEndOfInput)) return;
            std::unique_lock lock(ticker_->mutex);
            ticker_->changed.wait(lock,
                                  [&] { return ticker_->stopping || ticker_->chunks != seen; });
            if (ticker_->stopping) return;
        }
    }

    CommandHandle& handle_;
    std::shared_ptr<OutputTicker> ticker_; // null when stdin is a terminal
    int stop_pipe_[2] = {-1, -1};
    std::thread thread_;
};

OutputCallback stream_to_stdout(std::shared_ptr<OutputTicker> ticker) {
    return [ticker = std::move(ticker)](std::string_view chunk) {
        if (!write_all(STDOUT_FILENO, chunk) && errno == EPIPE) raise_broken_pipe();
        if (!ticker) return;
        std::lock_guard lock(ticker->mutex);
        ++ticker->chunks;
        ticker->changed.notify_all();
    };
}

int exit_code_of(const Result<CommandResult>& result) {
    if (!result) return report("shell", result.error());
    if (result->signal) return kExitSignalBase + result->signal;
    if (result->exit_code < 0) {
        print_error(result->error);
        return kExitFailure;
    }
    return result->exit_code;
}

} // namespace

int shell_command(const Invocation& inv) {
    auto sandbox = Sandbox::connect(inv.sandbox_id);
    if (!sandbox) return report("shell", sandbox.error());
    bool interactive = ::isatty(STDIN_FILENO) == 1;

    PtyOptions options;
    options.size = interactive ? terminal_size(STDIN_FILENO) : PtySize{};
    options.user = inv.user;
    options.cwd = inv.cwd;
    auto ticker = interactive ? nullptr : std::make_shared<OutputTicker>();
    options.on_data = stream_to_stdout(ticker);
    // Until the signal action is in place, a signal must not leave the shell running unseen.
    hold_signals();
    auto handle = sandbox->pty().create(std::move(options));
    if (!handle) {
        set_signal_action({});
        return report("shell", handle.error());
    }
    int pid = handle->pid();

    RawMode raw;
    // A signal to us is a hang-up of the session, as when a terminal window closes: the shell
    // gets SIGHUP, and our terminal gets its mode back before we go.
    set_signal_action([&raw, &handle](int signal) {
        raw.restore();
        (void)handle->kill(SIGHUP);
        ::_exit(kExitSignalBase + signal);
    });
    if (interactive) {
        set_window_change_action(
            [&sandbox, pid] { (void)sandbox->pty().resize(pid, terminal_size(STDIN_FILENO)); });
        if (!raw.enter(STDIN_FILENO)) {
            int status = report("shell", sys_error("set raw mode on this terminal"));
            (void)handle->kill(SIGHUP);
            set_window_change_action({});
            set_signal_action({});
            return status;
        }
        // The window may have changed before the action was there to see it.
        (void)sandbox->pty().resize(pid, terminal_size(STDIN_FILENO));
    }

    InputPump pump(*handle, ticker);
    if (!pump.start()) print_error("cannot read stdin: the shell gets no input");
    auto result = handle->wait();
    pump.stop();
    set_window_change_action({});
    raw.restore();
    set_signal_action({});
    return exit_code_of(result);
}

} // namespace soulbox::cli
