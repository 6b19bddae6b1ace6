// Sandbox lifecycle against real namespaces and cgroups (root; the rootless cases run as nobody).
#include "support/sandbox_fixture.hpp"

#include <chrono>
#include <csignal>
#include <mutex>
#include <thread>
#include <unistd.h>

using namespace soulbox;
using namespace soulbox::test;
using namespace std::chrono_literals;

TEST_CASE("a sandbox runs python3 code and a file written inside reads back") {
    Sandbox sbx = make_sandbox();
    auto py = sh(sbx, "python3 -c 'print(6 * 7)'");
    CHECK(py.exit_code == 0);
    CHECK(py.stdout_data == "42\n");
    // E2B's base template has `python`; the host template's own bin dir provides it.
    auto python = sh(sbx, "python -c 'import sys; print(sys.version_info[0])'");
    CHECK(python.exit_code == 0);
    CHECK(python.stdout_data == "3\n");
    CHECK(sh(sbx, "bash -lc 'command -v python'").stdout_data == "/opt/soulbox/bin/python\n");
    auto file =
        sh(sbx, "echo 'hello from inside' > /home/user/note.txt && cat /home/user/note.txt");
    CHECK(file.stdout_data == "hello from inside\n");
    expect_ok(sbx.kill(), "kill");
}

TEST_CASE("commands report exit codes, stderr and E2B-style errors") {
    Sandbox sbx = make_sandbox();
    auto r = sh(sbx, "echo out; echo err >&2; exit 3");
    CHECK(r.exit_code == 3);
    CHECK(r.stdout_data == "out\n");
    CHECK(r.stderr_data == "err\n");
    CHECK(r.error == "exit status 3");
    auto missing = sh(sbx, "definitely-not-a-command");
    CHECK(missing.exit_code == 127);
    CHECK(missing.stderr_data.find("not found") != std::string::npos);
    // argv form without a shell: a missing binary is a spawn error, not an exit code.
    auto direct = sbx.commands().run(std::vector<std::string>{"/no/such/binary"});
    REQUIRE_FALSE(direct);
    CHECK(direct.error().code == Errc::not_found);
    CHECK(direct.error().message.find("/no/such/binary") != std::string::npos);
    expect_ok(sbx.kill(), "kill");
}

TEST_CASE("identity, environment and working directory inside") {
    SandboxOptions options;
    options.envs = {{"SANDBOX_VAR", "from-sandbox"}, {"OVERRIDE", "sandbox"}};
    options.hostname = "box-1";
    Sandbox sbx = make_sandbox(options);
    auto who = sh(sbx, "id -u; id -g; whoami; pwd; hostname; echo $HOME");
    CHECK(who.stdout_data == "1000\n1000\nuser\n/home/user\nbox-1\n/home/user\n");
    RunOptions run;
    run.envs = {{"OVERRIDE", "command"}, {"EXTRA", "x y"}};
    run.cwd = "/tmp";
    auto env = sh(sbx, "echo $SANDBOX_VAR $OVERRIDE \"$EXTRA\"; pwd", run);
    CHECK(env.stdout_data == "from-sandbox command x y\n/tmp\n");
    // The host's environment does not leak in.
    ::setenv("SOULBOX_HOST_SECRET", "leak", 1);
    auto leak = sh(sbx, "echo \"[$SOULBOX_HOST_SECRET]\"");
    CHECK(leak.stdout_data == "[]\n");
    if (::geteuid() == 0) {
        RunOptions as_root;
        as_root.user = "root";
        auto root = sh(sbx, "id -u; echo $HOME", as_root);
        CHECK(root.stdout_data == "0\n/root\n");
    }
    RunOptions bad_cwd;
    bad_cwd.cwd = "/does/not/exist";
    auto cwd = sbx.commands().run("true", bad_cwd);
    REQUIRE_FALSE(cwd);
    CHECK(cwd.error().message.find("/does/not/exist") != std::string::npos);
    // A relative cwd is relative to the user's home (E2B); ".." cannot climb above "/".
    RunOptions relative;
    relative.cwd = "sub/..";
    CHECK(sh(sbx, "pwd", relative).stdout_data == "/home/user\n");
    relative.cwd = "../../../../tmp";
    CHECK(sh(sbx, "pwd", relative).stdout_data == "/tmp\n");
    expect_ok(sbx.kill(), "kill");
}

TEST_CASE("output streams to callbacks as it arrives and stays exact") {
    Sandbox sbx = make_sandbox();
    std::string seen;
    int chunks = 0;
    RunOptions run;
    run.on_stdout = [&](std::string_view chunk) {
        seen.append(chunk);
        ++chunks;
    };
    auto r = sh(sbx, "for i in $(seq 1 2000); do echo line-$i; done", run);
    CHECK(r.stdout_data == seen);
    CHECK(r.stdout_data.size() == 2000 * 6 + 9 * 1 + 90 * 2 + 900 * 3 + 1001 * 4);
    CHECK(chunks >= 1);
    // Bytes that are not UTF-8 arrive untouched.
    auto binary = sh(sbx, "printf '\\xff\\xfe\\x00\\x80'");
    CHECK(binary.stdout_data == std::string("\xff\xfe\x00\x80", 4));
    expect_ok(sbx.kill(), "kill");
}

TEST_CASE("stored output is capped while callbacks see everything") {
    Sandbox sbx = make_sandbox();
    std::size_t streamed = 0;
    RunOptions run;
    run.max_output_bytes = 1 << 20;
    run.on_stdout = [&](std::string_view chunk) { streamed += chunk.size(); };
    auto r = sh(sbx, "head -c 50000000 /dev/zero", run);
    CHECK(r.exit_code == 0);
    CHECK(streamed == 50000000);
    CHECK(r.stdout_data.size() == (1u << 20));
    CHECK(r.stdout_truncated);
    expect_ok(sbx.kill(), "kill");
}

TEST_CASE("background processes: list, stdin, kill, connect") {
    Sandbox sbx = make_sandbox();
    RunOptions cat_opts;
    cat_opts.stdin = true;
    cat_opts.tag = "echoer";
    auto cat = expect_ok(sbx.commands().start(std::vector<std::string>{"cat"}, cat_opts), "cat");
    CHECK(cat.pid() > 1);
    auto procs = expect_ok(sbx.commands().list(), "list");
    bool found = false;
    for (const auto& p : procs)
        if (p.pid == cat.pid()) {
            found = true;
            CHECK(p.tag == "echoer");
            CHECK(p.cmd == "cat");
            CHECK(p.cwd == "/home/user");
        }
    CHECK(found);
    expect_ok(cat.send_stdin("abc\n"), "send_stdin");
    expect_ok(sbx.commands().send_stdin(cat.pid(), "def\n"), "send_stdin by pid");
    expect_ok(cat.close_stdin(), "close_stdin");
    auto done = expect_ok(cat.wait(), "wait cat");
    CHECK(done.exit_code == 0);
    CHECK(done.stdout_data == "abc\ndef\n");

    auto sleeper = expect_ok(sbx.commands().start("sleep 1000"), "sleep");
    int pid = sleeper.pid();
    sleeper.disconnect();
    std::string reattached;
    auto again = expect_ok(
        sbx.commands().connect(pid, [&](std::string_view c) { reattached += c; }), "connect");
    expect_ok(sbx.commands().kill(pid), "kill process");
    auto killed = expect_ok(again.wait(), "wait killed");
    CHECK(killed.signal == SIGKILL);
    CHECK(killed.exit_code == -1);
    CHECK(killed.error.find("signal 9") != std::string::npos);
    auto gone = sbx.commands().kill(pid);
    REQUIRE_FALSE(gone);
    CHECK(gone.error().code == Errc::not_found);
    expect_ok(sbx.kill(), "kill");
}

TEST_CASE("background processes: connecting again takes the output over from a live handle") {
    Sandbox sbx = make_sandbox();
    RunOptions opts;
    opts.stdin = true;
    // Echo each line typed, so every line of output is caused by one send_stdin.
    auto first = expect_ok(sbx.commands().start(std::vector<std::string>{"cat"}, opts), "cat");
    std::string second_seen;
    std::mutex seen_mutex;
    auto second = expect_ok(sbx.commands().connect(first.pid(),
                                                   [&](std::string_view c) {
                                                       std::lock_guard lock(seen_mutex);
                                                       second_seen += c;
                                                   }),
                            "connect while the first handle is connected");
    // The first handle is disconnected by the takeover, and says why.
    auto superseded = first.wait();
    REQUIRE_FALSE(superseded);
    CHECK(superseded.error().code == Errc::invalid_argument);
    CHECK(superseded.error().message.find("another handle") != std::string::npos);
    // Dropping or disconnecting the old handle must not disturb the new one.
    first.disconnect();
    { CommandHandle dropped = std::move(first); }
    for (int i = 0; i < 50; ++i)
        expect_ok(sbx.commands().send_stdin(second.pid(), "line " + std::to_string(i) + "\n"),
                  "type");
    expect_ok(second.close_stdin(), "close stdin");
    auto done = expect_ok(second.wait(), "wait on the new handle");
    CHECK(done.exit_code == 0);
    std::string expected;
    for (int i = 0; i < 50; ++i)
        expected += "line " + std::to_string(i) + "\n";
    CHECK(done.stdout_data == expected); // nothing split off to the old handle
    {
        std::lock_guard lock(seen_mutex);
        CHECK(second_seen == expected);
    }
    expect_ok(sbx.kill(), "kill");
}

TEST_CASE("a command timeout kills the whole process tree") {
    Sandbox sbx = make_sandbox();
    RunOptions run;
    run.timeout = 300ms;
    auto start = std::chrono::steady_clock::now();
    auto r = sh(sbx, "sleep 30 & sleep 30; echo never", run);
    CHECK(std::chrono::steady_clock::now() - start < 10s);
    CHECK(r.timed_out);
    CHECK(r.error == "command timed out");
    CHECK(r.stdout_data.empty());
    auto left = sh(sbx, "pgrep -c sleep || true");
    CHECK(left.stdout_data == "0\n");
    expect_ok(sbx.kill(), "kill");
}

TEST_CASE("a command returns when it exits even if a background child keeps its output open") {
    Sandbox sbx = make_sandbox();
    auto r = sh(sbx, "echo started; sleep 300 &");
    CHECK(r.exit_code == 0);
    CHECK(r.stdout_data == "started\n");
    expect_ok(sbx.kill(), "kill");
}

TEST_CASE("info, metadata, set_timeout, list and connect") {
    SandboxOptions options;
    options.metadata = {{"owner", "tests"}, {"quote", "a \"b\" \\ c"}};
    options.timeout = 120s;
    Sandbox sbx = make_sandbox(options);
    auto info = expect_ok(sbx.info(), "info");
    CHECK(info.id == sbx.id());
    CHECK(info.template_name == "host");
    CHECK(info.metadata == options.metadata);
    CHECK(info.state == SandboxState::running);
    REQUIRE(info.end_at.has_value());
    CHECK(*info.end_at - info.started_at == 120s);

    expect_ok(sbx.set_timeout(600s), "set_timeout");
    auto later = expect_ok(sbx.info(), "info after set_timeout");
    REQUIRE(later.end_at.has_value());
    CHECK(*later.end_at > *info.end_at + 400s);

    auto all = expect_ok(Sandbox::list(), "list");
    bool listed = false;
    for (const auto& s : all)
        listed = listed || (s.id == sbx.id() && s.metadata == options.metadata);
    CHECK(listed);

    auto other = expect_ok(Sandbox::connect(sbx.id()), "connect");
    CHECK(other.is_running());
    CHECK(sh(other, "echo via-connect").stdout_data == "via-connect\n");

    expect_ok(sbx.kill(), "kill");
    CHECK_FALSE(sbx.is_running());
    CHECK_FALSE(other.is_running());
    auto twice = sbx.kill();
    REQUIRE_FALSE(twice);
    CHECK(twice.error().code == Errc::not_running);
    auto missing = Sandbox::connect(sbx.id());
    REQUIRE_FALSE(missing);
    CHECK(missing.error().code == Errc::not_found);
}

TEST_CASE("a sandbox dies with all its processes when its timeout expires") {
    SandboxOptions options;
    options.timeout = 1s;
    Sandbox sbx = make_sandbox(options);
    auto bg = expect_ok(sbx.commands().start("sleep 1000"), "start");
    auto result = expect_ok(bg.wait(), "wait");
    CHECK(result.error == "sandbox ended while the command was running");
    CHECK_FALSE(sbx.is_running());
    auto after = sbx.commands().run("true");
    REQUIRE_FALSE(after);
    CHECK(after.error().code == Errc::not_running);
}

TEST_CASE("bad input gives clear errors") {
    SandboxOptions bad_template;
    bad_template.template_name = "nope";
    auto t = Sandbox::create(bad_template);
    REQUIRE_FALSE(t);
    CHECK(t.error().code == Errc::not_found);
    CHECK(t.error().message.find("nope") != std::string::npos);

    SandboxOptions bad_cpu;
    bad_cpu.limits.cpus = -1;
    auto c = Sandbox::create(bad_cpu);
    REQUIRE_FALSE(c);
    CHECK(c.error().code == Errc::invalid_argument);

    SandboxOptions bad_memory;
    bad_memory.limits.memory_bytes = 1000;
    CHECK(Sandbox::create(bad_memory).error().code == Errc::invalid_argument);

    SandboxOptions bad_env;
    bad_env.envs = {{"A=B", "c"}};
    CHECK(Sandbox::create(bad_env).error().code == Errc::invalid_argument);

    CHECK(Sandbox::connect("../etc").error().code == Errc::invalid_argument);
    CHECK(Sandbox::connect("0123456789abcdef").error().code == Errc::not_found);

    Sandbox sbx = make_sandbox();
    CHECK(sbx.commands().run("").error().code == Errc::invalid_argument);
    CHECK(sbx.commands().run(std::vector<std::string>{}).error().code == Errc::invalid_argument);
    RunOptions bad_user;
    bad_user.user = "admin";
    CHECK(sbx.commands().run("true", bad_user).error().code == Errc::invalid_argument);
    CHECK(sbx.commands().kill(999999).error().code == Errc::not_found);
    CHECK(sbx.commands().kill(1, 0).error().code == Errc::invalid_argument);
    CHECK(sbx.commands().connect(-5).error().code == Errc::invalid_argument);

    // A large environment (about 1 MiB) still works.
    RunOptions huge;
    for (int i = 0; i < 1000; ++i)
        huge.envs["VAR_" + std::to_string(i)] = std::string(1000, 'x');
    auto big = sh(sbx, "env | grep -c '^VAR_'", huge);
    CHECK(big.stdout_data == "1000\n");
    expect_ok(sbx.kill(), "kill");
}

TEST_CASE("writing to the stdin of a process that has exited is an error, not a SIGPIPE") {
    Sandbox sbx = make_sandbox();
    RunOptions opts;
    opts.stdin = true;
    auto handle =
        expect_ok(sbx.commands().start("exec 0<&-; echo closed; sleep 1000", opts), "start");
    // Once the process has closed its stdin, the pipe has no reader left (the agent keeps no
    // read end), so the host's write fails with EPIPE.
    std::string big(1 << 20, 'x');
    auto wrote = handle.send_stdin(big);
    for (int i = 0; i < 100 && wrote; ++i)
        wrote = handle.send_stdin(big);
    REQUIRE_FALSE(wrote);
    CHECK(wrote.error().code == Errc::not_running);
    expect_ok(handle.kill(), "kill process");
    CHECK(expect_ok(handle.wait(), "wait").signal == 9);
    expect_ok(sbx.kill(), "kill");
}
