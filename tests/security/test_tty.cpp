// Checklist line 8: TTY injection (TIOCSTI, TIOCLINUX; CVE-2017-5226) and one session per
// sandbox process. The probes run inside real sandboxes; on a terminal they also check what the
// terminal's reader actually gets after the attempt, so an injection that "failed" but still
// queued bytes would be caught. Probe lines are found as "\nname=", so each log starts with a
// newline of its own.
#include "security/security_support.hpp"
#include "support/terminal_log.hpp"

#include <chrono>
#include <string>

using namespace soulbox;
using namespace soulbox::test;
using namespace soulbox::test::security;
using namespace std::chrono_literals;

namespace {

constexpr std::chrono::milliseconds kProbeLifetime = 60s;

// Definitions the probes share: the requests, and an attempt on one descriptor. The kernel
// takes a 32-bit request, so the same request with high bits set must be refused as well.
constexpr const char* kTtyPrelude = R"PY(
import termios
TIOCSTI = termios.TIOCSTI
TIOCLINUX = 0x541C
TIOCL_SETSEL = 2  # TIOCLINUX subcode that pastes a selection into the input queue
def inject_all(prefix, fd):
    show(prefix + "_tiocsti", attempt(lambda: fcntl.ioctl(fd, TIOCSTI, b"Z")))
    show(prefix + "_tiocsti_high", attempt(lambda: fcntl.ioctl(fd, TIOCSTI | (1 << 32), b"Z")))
    show(prefix + "_tioclinux", attempt(
        lambda: fcntl.ioctl(fd, TIOCLINUX, bytes([TIOCL_SETSEL]) + bytes(10))))
)PY";

// Runs in a terminal: attempts injection into its own terminal, then reports the next line it
// reads, which must be exactly what the test types.
constexpr const char* kSelfInjection = R"PY(
inject_all("own", 0)
show("ready", 1)
show("read", sys.stdin.readline().strip())
)PY";

// Runs in a terminal and waits: the victim of another process's attempts.
constexpr const char* kVictim = R"PY(
show("tty", os.ttyname(0))
show("ready", 1)
show("read", sys.stdin.readline().strip())
)PY";

PtyOptions python_terminal(const TerminalLog& log, const std::string& body,
                           const std::string& user) {
    PtyOptions options;
    options.cmd = {"/usr/bin/python3", "-c", std::string(kPythonPrelude) + kTtyPrelude + body};
    options.user = user;
    options.timeout = kProbeLifetime;
    options.on_data = log.sink();
    return options;
}

// "name=value" printed by a terminal probe, at the start of a line.
std::string terminal_value(const TerminalLog& log, const std::string& name) {
    return log.value_after("\n" + name + "=").value_or("<missing>");
}

} // namespace

TEST_CASE("tty: TIOCSTI and TIOCLINUX on the process's own terminal fail with EPERM") {
    Sandbox sbx = make_sandbox();
    for (std::string user : {"user", "root"}) {
        if (user == "root" && ::geteuid() != 0) continue; // no root in a rootless sandbox
        CAPTURE(user);
        TerminalLog log;
        log.sink()("\n"); // so the first line can be found as "\nname="
        auto terminal =
            expect_ok(sbx.pty().create(python_terminal(log, kSelfInjection, user)), "create pty");
        REQUIRE_MESSAGE(log.wait_for("\nready=1"), "output: " << log.text());
        INFO("output: " << log.text());
        CHECK(terminal_value(log, "own_tiocsti") == "EPERM");
        CHECK(terminal_value(log, "own_tiocsti_high") == "EPERM");
        CHECK(terminal_value(log, "own_tioclinux") == "EPERM");
        // Typed after the attempts: the reader gets exactly this line, nothing queued before it.
        expect_ok(terminal.send_stdin("typed\n"), "type");
        CHECK(terminal_value(log, "read") == "typed");
        auto result = expect_ok(terminal.wait(), "wait");
        CHECK(result.exit_code == 0);
    }
    expect_ok(sbx.kill(), "kill sandbox");
}

TEST_CASE("tty: TIOCSTI and TIOCLINUX on another terminal in the same sandbox fail") {
    Sandbox sbx = make_sandbox();
    TerminalLog log;
    log.sink()("\n");
    auto victim = expect_ok(sbx.pty().create(python_terminal(log, kVictim, "user")), "create pty");
    REQUIRE_MESSAGE(log.wait_for("\nready=1"), "output: " << log.text());
    std::string tty = terminal_value(log, "tty");
    REQUIRE(tty.starts_with("/dev/pts/"));

    // From a plain command and from another terminal, as the sandbox user and as root. Root
    // can open the victim's terminal, so its attempts reach the ioctl; the user may already be
    // stopped at open (EACCES), which is as good.
    std::string attack = std::string(kTtyPrelude) + "path = '" + tty + "'\n" + R"PY(
fd = -1
def open_victim():
    global fd
    fd = os.open(path, os.O_RDWR | os.O_NOCTTY)
show("open", attempt(open_victim))
if fd >= 0:
    inject_all("other", fd)
)PY";
    for (std::string user : {"user", "root"}) {
        if (user == "root" && ::geteuid() != 0) continue;
        CAPTURE(user);
        ProbeResult from_command = probe(sbx, attack, user);
        if (user == "root") REQUIRE(from_command["open"] == "ok");
        if (from_command["open"] == "ok") {
            CHECK(from_command["other_tiocsti"] == "EPERM");
            CHECK(from_command["other_tiocsti_high"] == "EPERM");
            CHECK(from_command["other_tioclinux"] == "EPERM");
        } else {
            CHECK(one_of(from_command["open"], {"EACCES", "EPERM"}));
        }

        // From a terminal of its own, whose controlling tty is not the victim's.
        TerminalLog attacker_log;
        attacker_log.sink()("\n");
        auto attacker = expect_ok(
            sbx.pty().create(python_terminal(attacker_log, attack + "show('done', 1)\n", user)),
            "create attacker pty");
        REQUIRE_MESSAGE(attacker_log.wait_for("\ndone=1"), "output: " << attacker_log.text());
        INFO("attacker output: " << attacker_log.text());
        std::string opened = terminal_value(attacker_log, "open");
        if (user == "root") REQUIRE(opened == "ok");
        if (opened == "ok") {
            CHECK(terminal_value(attacker_log, "other_tiocsti") == "EPERM");
            CHECK(terminal_value(attacker_log, "other_tiocsti_high") == "EPERM");
            CHECK(terminal_value(attacker_log, "other_tioclinux") == "EPERM");
        }
        (void)attacker.wait();
    }

    // Nothing was queued for the victim: it reads exactly the line typed now.
    expect_ok(victim.send_stdin("typed\n"), "type");
    CHECK_MESSAGE(terminal_value(log, "read") == "typed", "victim output: " << log.text());
    auto result = expect_ok(victim.wait(), "wait");
    CHECK(result.exit_code == 0);
    expect_ok(sbx.kill(), "kill sandbox");
}

TEST_CASE("session: every command leads its own session, without a controlling terminal") {
    Sandbox sbx = make_sandbox();
    const char* body = R"PY(
show("leader", os.getsid(0) == os.getpid())
show("group", os.getpgrp() == os.getpid())
show("sid", os.getsid(0))
show("ctty", attempt(lambda: os.close(os.open("/dev/tty", os.O_RDWR))))
)PY";
    ProbeResult first = probe(sbx, body);
    ProbeResult second = probe(sbx, body);
    CHECK(first["leader"] == "True");
    CHECK(first["group"] == "True");
    CHECK(first["ctty"] == "ENXIO");
    CHECK(second["leader"] == "True");
    CHECK(first["sid"] != second["sid"]);
    // Through a shell as well (two commands, so bash does not exec the last one): the shell
    // leads the session its children run in.
    auto shell = sh(sbx, "echo $$; python3 -c 'import os; print(os.getsid(0))'");
    auto lines = shell.stdout_data;
    auto newline = lines.find('\n');
    REQUIRE(newline != std::string::npos);
    CHECK(lines.substr(newline + 1) == lines.substr(0, newline + 1));
    expect_ok(sbx.kill(), "kill sandbox");
}

TEST_CASE("session: a terminal process leads its session with the terminal as controlling tty") {
    Sandbox sbx = make_sandbox();
    TerminalLog log;
    log.sink()("\n");
    const char* body = R"PY(
show("leader", os.getsid(0) == os.getpid())
show("foreground", os.tcgetpgrp(0) == os.getpgrp())
# Field 7 of /proc/self/stat is the controlling terminal's device number.
ctty = int(open("/proc/self/stat").read().rsplit(")", 1)[1].split()[4])
show("ctty_is_pty", ctty == os.stat(os.ttyname(0)).st_rdev)
show("dev_tty", attempt(lambda: os.close(os.open("/dev/tty", os.O_RDWR))))
show("done", 1)
)PY";
    auto terminal = expect_ok(sbx.pty().create(python_terminal(log, body, "user")), "create pty");
    REQUIRE_MESSAGE(log.wait_for("\ndone=1"), "output: " << log.text());
    INFO("output: " << log.text());
    CHECK(terminal_value(log, "leader") == "True");
    CHECK(terminal_value(log, "foreground") == "True");
    CHECK(terminal_value(log, "ctty_is_pty") == "True");
    CHECK(terminal_value(log, "dev_tty") == "ok");
    auto result = expect_ok(terminal.wait(), "wait");
    CHECK(result.exit_code == 0);
    expect_ok(sbx.kill(), "kill sandbox");
}
