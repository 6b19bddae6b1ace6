// Terminals in a sandbox (Sandbox::pty()): input, output, size, SIGWINCH, several at once,
// surviving a disconnect, exit codes and bad input. Output is matched on markers that the
// terminal's echo of the typed line cannot contain (echo "a-$((1+1))" prints "a-2"), or on
// "\nkey=" at the start of a line, where the echoed command line never puts it.
#include "support/sandbox_fixture.hpp"
#include "support/skip.hpp"
#include "support/terminal_log.hpp"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <string>
#include <unistd.h>
#include <vector>

using namespace soulbox;
using namespace soulbox::test;
using namespace std::chrono_literals;

namespace {

// Every terminal in these tests ends within this even if a test goes wrong, so wait() returns.
constexpr std::chrono::milliseconds kTerminalLifetime = 60s;

// bash reads an exported PS1: a known prompt tells the test the shell is ready for input, as
// a person would wait for it (keystrokes sent while a loaded machine still starts bash race
// its terminal setup).
constexpr const char* kPrompt = "pty-ready$ ";

PtyOptions terminal_options(const TerminalLog& log, PtySize size = {}) {
    PtyOptions options;
    options.size = size;
    options.timeout = kTerminalLifetime;
    options.on_data = log.sink();
    options.envs["PS1"] = kPrompt;
    return options;
}

void wait_for_prompt(const TerminalLog& log) {
    REQUIRE_MESSAGE(log.wait_for(kPrompt), "no prompt; output: " << log.text());
}

// Prints SIGWINCH arrivals with the size the program sees then.
constexpr const char* kWinchReporter = R"PY(
import os, signal
# os.write, not print: a handler that runs while print() holds stdout's
# buffer lock raises "reentrant call".
def say(word):
    cols, rows = os.get_terminal_size(0)
    os.write(1, f"{word} {rows}x{cols}\n".encode())
signal.signal(signal.SIGWINCH, lambda *_: say("WINCH"))
say("START")
while True:
    signal.pause()
)PY";

} // namespace

TEST_CASE("pty: typed input reaches bash and its output comes back through on_data") {
    Sandbox sbx = make_sandbox();
    TerminalLog log;
    auto terminal = expect_ok(sbx.pty().create(terminal_options(log)), "create pty");
    wait_for_prompt(log);
    expect_ok(terminal.send_stdin("echo hi\n"), "type");
    CHECK_MESSAGE(log.wait_for("\nhi\n"), "output: " << log.text());
    // Typing by pid (from anyone holding the sandbox) goes to the same terminal.
    expect_ok(sbx.pty().send_stdin(terminal.pid(), "echo by-pid-$((40+2))\n"), "type by pid");
    CHECK_MESSAGE(log.wait_for("by-pid-42"), "output: " << log.text());
    expect_ok(sbx.pty().kill(terminal.pid()), "kill pty");
    auto result = expect_ok(terminal.wait(), "wait");
    CHECK(result.signal == SIGKILL);
    // The stored result holds the terminal output as well.
    CHECK(result.stdout_data.find("by-pid-42") != std::string::npos);
    expect_ok(sbx.kill(), "kill sandbox");
}

TEST_CASE("pty: tput cols and stty size report the size given and follow resize()") {
    Sandbox sbx = make_sandbox();
    TerminalLog log;
    auto terminal = expect_ok(sbx.pty().create(terminal_options(log, {30, 100})), "create pty");
    wait_for_prompt(log);
    expect_ok(terminal.send_stdin("stty size; tput cols\n"), "type");
    CHECK_MESSAGE(log.wait_for("\n30 100\n"), "output: " << log.text());
    CHECK_MESSAGE(log.wait_for("\n100\n"), "output: " << log.text());

    expect_ok(sbx.pty().resize(terminal.pid(), {40, 120}), "resize");
    std::size_t mark = log.size();
    expect_ok(terminal.send_stdin("stty size; tput cols\n"), "type");
    CHECK_MESSAGE(log.wait_for("\n40 120\n", TerminalLog::kDefaultLimit, mark),
                  "output: " << log.text());
    CHECK_MESSAGE(log.wait_for("\n120\n", TerminalLog::kDefaultLimit, mark),
                  "output: " << log.text());
    expect_ok(terminal.kill(), "kill");
    expect_ok(sbx.kill(), "kill sandbox");
}

TEST_CASE("pty: resize() delivers SIGWINCH and the program sees the new size") {
    Sandbox sbx = make_sandbox();
    TerminalLog log;
    PtyOptions options = terminal_options(log, {24, 80});
    options.cmd = {"/usr/bin/python3", "-c", kWinchReporter};
    auto terminal = expect_ok(sbx.pty().create(std::move(options)), "create pty");
    REQUIRE_MESSAGE(log.wait_for("START 24x80"), "output: " << log.text());
    expect_ok(sbx.pty().resize(terminal.pid(), {50, 132}), "resize");
    CHECK_MESSAGE(log.wait_for("WINCH 50x132"), "output: " << log.text());
    expect_ok(sbx.pty().resize(terminal.pid(), {10, 20}), "resize again");
    CHECK_MESSAGE(log.wait_for("WINCH 10x20"), "output: " << log.text());
    expect_ok(sbx.pty().kill(terminal.pid()), "kill");
    expect_ok(sbx.kill(), "kill sandbox");
}

TEST_CASE("pty: TERM and LANG have terminal defaults that envs can override") {
    Sandbox sbx = make_sandbox();
    TerminalLog log;
    auto terminal = expect_ok(sbx.pty().create(terminal_options(log)), "create pty");
    wait_for_prompt(log);
    expect_ok(terminal.send_stdin("echo \"env=$TERM:$LANG\"\n"), "type");
    CHECK(log.value_after("\nenv=") == "xterm-256color:C.UTF-8");
    expect_ok(terminal.kill(), "kill");

    TerminalLog custom;
    PtyOptions options = terminal_options(custom);
    options.envs["TERM"] = "vt100";
    options.envs["EXTRA"] = "x-y";
    auto other = expect_ok(sbx.pty().create(std::move(options)), "create pty with envs");
    wait_for_prompt(custom);
    expect_ok(other.send_stdin("echo \"env=$TERM:$LANG:$EXTRA\"\n"), "type");
    CHECK(custom.value_after("\nenv=") == "vt100:C.UTF-8:x-y");
    expect_ok(other.kill(), "kill");
    expect_ok(sbx.kill(), "kill sandbox");
}

TEST_CASE("pty: several terminals in one sandbox each get only their own input") {
    Sandbox sbx = make_sandbox();
    constexpr int kTerminals = 3;
    std::vector<TerminalLog> logs(kTerminals);
    std::vector<CommandHandle> terminals;
    for (int i = 0; i < kTerminals; ++i)
        terminals.push_back(expect_ok(sbx.pty().create(terminal_options(logs[i])), "create pty"));
    for (const auto& log : logs)
        wait_for_prompt(log);
    // Typed into all of them before reading any, so they are open at the same time.
    for (int i = 0; i < kTerminals; ++i) {
        std::string n = std::to_string(i + 1);
        expect_ok(
            terminals[i].send_stdin("echo \"mark-$((" + n + "*111))\"; echo \"tty=$(tty)\"\n"),
            "type");
    }
    std::vector<std::string> ttys;
    for (int i = 0; i < kTerminals; ++i) {
        std::string own = "mark-" + std::to_string((i + 1) * 111);
        CHECK_MESSAGE(logs[i].wait_for(own), "terminal " << i << ": " << logs[i].text());
        auto tty = logs[i].value_after("\ntty=");
        REQUIRE(tty);
        CHECK(tty->starts_with("/dev/pts/"));
        ttys.push_back(*tty);
    }
    for (int i = 0; i < kTerminals; ++i)
        for (int j = 0; j < kTerminals; ++j)
            if (i != j)
                CHECK_MESSAGE(logs[i].text().find("mark-" + std::to_string((j + 1) * 111)) ==
                                  std::string::npos,
                              "terminal " << i << " saw terminal " << j << "'s output");
    std::sort(ttys.begin(), ttys.end());
    CHECK(std::adjacent_find(ttys.begin(), ttys.end()) == ttys.end());
    for (auto& terminal : terminals)
        expect_ok(terminal.kill(), "kill");
    expect_ok(sbx.kill(), "kill sandbox");
}

TEST_CASE("pty: a terminal survives disconnect() and can be connected and typed into again") {
    Sandbox sbx = make_sandbox();
    TerminalLog first;
    auto terminal = expect_ok(sbx.pty().create(terminal_options(first)), "create pty");
    int pid = terminal.pid();
    wait_for_prompt(first);
    expect_ok(terminal.send_stdin("echo first-$((1+1))\n"), "type");
    REQUIRE_MESSAGE(first.wait_for("first-2"), "output: " << first.text());
    terminal.disconnect();

    // Still running: listed, and takes input while nobody reads its output.
    auto listed = expect_ok(sbx.commands().list(), "list");
    CHECK(std::any_of(listed.begin(), listed.end(),
                      [&](const ProcessInfo& p) { return p.pid == pid && p.tag == "pty"; }));
    expect_ok(sbx.pty().send_stdin(pid, "echo unseen-$((2+2))\n"), "type while disconnected");

    TerminalLog second;
    auto again = expect_ok(sbx.pty().connect(pid, second.sink()), "connect");
    CHECK(again.pid() == pid);
    expect_ok(sbx.pty().send_stdin(pid, "echo second-$((3+3))\n"), "type after connect");
    CHECK_MESSAGE(second.wait_for("second-6"), "output: " << second.text());
    CHECK(first.text().find("second-6") == std::string::npos);
    // The size can still be changed, and the shell sees it.
    expect_ok(sbx.pty().resize(pid, {33, 77}), "resize after connect");
    std::size_t mark = second.size();
    expect_ok(sbx.pty().send_stdin(pid, "stty size\n"), "type");
    CHECK_MESSAGE(second.wait_for("\n33 77\n", TerminalLog::kDefaultLimit, mark),
                  "output: " << second.text());

    expect_ok(sbx.pty().kill(pid), "kill");
    auto result = expect_ok(again.wait(), "wait");
    CHECK(result.signal == SIGKILL);
    CHECK(result.exit_code == -1);
    auto gone = sbx.pty().send_stdin(pid, "x");
    REQUIRE_FALSE(gone);
    CHECK(gone.error().code == Errc::not_found);
    expect_ok(sbx.kill(), "kill sandbox");
}

TEST_CASE("pty: `exit 3` typed into bash ends wait() with exit code 3") {
    Sandbox sbx = make_sandbox();
    TerminalLog log;
    auto terminal = expect_ok(sbx.pty().create(terminal_options(log)), "create pty");
    wait_for_prompt(log);
    expect_ok(terminal.send_stdin("exit 3\n"), "type");
    auto result = expect_ok(terminal.wait(), "wait");
    CHECK(result.exit_code == 3);
    CHECK(result.signal == 0);
    CHECK_FALSE(result.timed_out);
    CHECK(result.error == "exit status 3");
    expect_ok(sbx.kill(), "kill sandbox");
}

TEST_CASE("pty: `exit` as the first thing typed into the login shell ends with exit code 0") {
    // E2B's base template: the login profile leaves $? at 0, so a bare `exit` succeeds.
    Sandbox sbx = make_sandbox();
    TerminalLog log;
    auto terminal = expect_ok(sbx.pty().create(terminal_options(log)), "create pty");
    wait_for_prompt(log);
    expect_ok(terminal.send_stdin("exit\n"), "type");
    auto result = expect_ok(terminal.wait(), "wait");
    CHECK(result.exit_code == 0);
    CHECK(result.error.empty());
    expect_ok(sbx.kill(), "kill sandbox");
}

TEST_CASE("pty: bad sizes, a process without a terminal and unknown pids are refused") {
    Sandbox sbx = make_sandbox();
    TerminalLog log;
    auto terminal = expect_ok(sbx.pty().create(terminal_options(log)), "create pty");

    for (PtySize bad : {PtySize{0, 80}, PtySize{24, 0}, PtySize{0, 0}, PtySize{10001, 80}}) {
        CAPTURE(bad.rows);
        CAPTURE(bad.cols);
        auto resized = sbx.pty().resize(terminal.pid(), bad);
        REQUIRE_FALSE(resized);
        CHECK(resized.error().code == Errc::invalid_argument);
        PtyOptions options = terminal_options(log, bad);
        auto created = sbx.pty().create(std::move(options));
        REQUIRE_FALSE(created);
        CHECK(created.error().code == Errc::invalid_argument);
    }

    RunOptions background;
    background.timeout = kTerminalLifetime;
    auto plain = expect_ok(sbx.commands().start("sleep 60", background), "start command");
    auto no_terminal = sbx.pty().resize(plain.pid(), {24, 80});
    REQUIRE_FALSE(no_terminal);
    CHECK(no_terminal.error().code == Errc::invalid_argument);
    expect_ok(plain.kill(), "kill command");

    constexpr int kUnknownPid = 999'999;
    auto unknown_resize = sbx.pty().resize(kUnknownPid, {24, 80});
    REQUIRE_FALSE(unknown_resize);
    CHECK(unknown_resize.error().code == Errc::not_found);
    auto unknown_input = sbx.pty().send_stdin(kUnknownPid, "x");
    REQUIRE_FALSE(unknown_input);
    CHECK(unknown_input.error().code == Errc::not_found);
    auto unknown_connect = sbx.pty().connect(kUnknownPid);
    REQUIRE_FALSE(unknown_connect);
    CHECK(unknown_connect.error().code == Errc::not_found);
    auto unknown_kill = sbx.pty().kill(kUnknownPid);
    REQUIRE_FALSE(unknown_kill);
    CHECK(unknown_kill.error().code == Errc::not_found);

    PtyOptions stranger = terminal_options(log);
    stranger.user = "nobody";
    auto refused = sbx.pty().create(std::move(stranger));
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code == Errc::invalid_argument);
    expect_ok(terminal.kill(), "kill");
    expect_ok(sbx.kill(), "kill sandbox");
}

TEST_CASE("pty: a terminal as user root runs as uid 0 in its cwd") {
    if (::geteuid() != 0) SOULBOX_SKIP("root inside a sandbox needs a rootful sandbox");
    Sandbox sbx = make_sandbox();
    TerminalLog log;
    PtyOptions options = terminal_options(log);
    options.user = "root";
    options.cwd = "/tmp";
    auto terminal = expect_ok(sbx.pty().create(std::move(options)), "create pty");
    wait_for_prompt(log);
    expect_ok(terminal.send_stdin("echo \"who=$(id -u):$(pwd)\"\n"), "type");
    CHECK(log.value_after("\nwho=") == "0:/tmp");
    expect_ok(terminal.send_stdin("exit\n"), "type exit");
    auto result = expect_ok(terminal.wait(), "wait");
    CHECK(result.exit_code == 0);
    expect_ok(sbx.kill(), "kill sandbox");
}
