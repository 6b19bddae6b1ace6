// Checklist line 12: exhaustion. The sandbox gets a clear error, the host stays responsive,
// and nothing of the sandbox outlives kill() or its timeout. (Memory, disk and CPU limits are
// covered by tests/integration/test_limits.cpp.)
#include "security_support.hpp"

#include <doctest/doctest.h>

using namespace soulbox;
using namespace soulbox::test;
using namespace soulbox::test::security;
using namespace std::chrono_literals;

TEST_CASE("exhaustion 12: a fork bomb hits the pids limit with EAGAIN and the sandbox survives") {
    SandboxOptions options;
    options.limits.pids = 64;
    Sandbox sbx = make_sandbox(options);
    // Counted: fork until the kernel refuses, and say why.
    auto p = probe(sbx, R"PY(
children, failure = [], "none"
for i in range(500):
    try:
        pid = os.fork()
    except OSError as e:
        failure = errno.errorcode[e.errno]
        break
    if pid == 0:
        time.sleep(30)
        os._exit(0)
    children.append(pid)
show("forked", len(children))
show("failure", failure)
for c in children:
    os.kill(c, 9)
    os.waitpid(c, 0)
)PY");
    CHECK(p["failure"] == "EAGAIN");
    CHECK(std::stoi(p["forked"]) < 64);
    // The real thing: every process forks forever; the command's timeout ends the tree.
    RunOptions bomb;
    bomb.timeout = 2s;
    auto r = python(sbx, R"PY(
while True:
    try:
        os.fork()
    except OSError:
        pass
)PY",
                    bomb);
    CHECK(r.timed_out);
    // Whatever the bomb left is gone and the agent can start processes again.
    CHECK(eventually([&] { return sh(sbx, "echo alive").stdout_data == "alive\n"; }, 10s));
    expect_ok(sbx.kill(), "kill");
}

TEST_CASE("exhaustion 12: opening files until the limit gives EMFILE and the sandbox survives") {
    Sandbox sbx = make_sandbox();
    auto p = probe(sbx, R"PY(
fds, failure = [], "none"
for i in range(1 << 21):
    try:
        fds.append(os.open("/dev/null", os.O_RDONLY))
    except OSError as e:
        failure = errno.errorcode[e.errno]
        break
show("opened", len(fds))
show("failure", failure)
)PY");
    CHECK(p["failure"] == "EMFILE");
    CHECK(std::stoi(p["opened"]) > 100);
    CHECK(sh(sbx, "echo alive").stdout_data == "alive\n");
    expect_ok(sbx.kill(), "kill");
}

TEST_CASE("exhaustion 12: 2 GiB of output is cut at max_output_bytes without host memory growth") {
    Sandbox sbx = make_sandbox();
    long before = self_rss_kib();
    REQUIRE(before > 0);
    RunOptions run;
    run.max_output_bytes = 1u << 20;
    run.timeout = 60s;
    auto r = sh(sbx, "head -c 2G /dev/zero; head -c 2G /dev/zero >&2; echo done >&2", run);
    long after = self_rss_kib();
    CHECK(r.exit_code == 0);
    CHECK(r.stdout_truncated);
    CHECK(r.stderr_truncated);
    CHECK(r.stdout_data.size() == (1u << 20));
    CHECK(r.stderr_data.size() == (1u << 20));
    MESSAGE("host RSS before " << before << " KiB, after " << after << " KiB");
    CHECK(after - before < 100 * 1024);
    expect_ok(sbx.kill(), "kill");
}

TEST_CASE("exhaustion 12: a 4096-deep directory tree gives ENAMETOOLONG, not a crash") {
    Sandbox sbx = make_sandbox();
    auto p = probe(sbx, R"PY(
os.chdir("/tmp")
top = os.open(".", os.O_RDONLY)
made = 0
for i in range(4096):
    os.mkdir("d")
    os.chdir("d")
    made += 1
show("made", made)
def cwd():
    # glibc falls back to walking ".." when the kernel says ENAMETOOLONG: either answer is clean.
    try:
        return "right" if os.getcwd() == "/tmp" + "/d" * 4096 else "WRONG"
    except OSError as e:
        return errno.errorcode[e.errno]
show("getcwd", cwd())
show("open_abs", attempt(lambda: open("/tmp/" + "d/" * 4096 + "f", "w")))
show("mkdir_abs", attempt(lambda: os.mkdir("/tmp/" + "d/" * 4096 + "e")))
# Relative to the deepest directory everything still works.
show("relative", attempt(lambda: open("f", "w").write("x")))
)PY");
    CHECK(p["made"] == "4096");
    CHECK(one_of(p["getcwd"], {"right", "ENAMETOOLONG"}));
    CHECK(p["open_abs"] == "ENAMETOOLONG");
    CHECK(p["mkdir_abs"] == "ENAMETOOLONG");
    CHECK(p["relative"] == "ok");
    RunOptions cleanup;
    cleanup.timeout = 30s;
    auto rm = sh(sbx, "rm -rf /tmp/d && echo removed", cleanup);
    CHECK(rm.stdout_data == "removed\n");
    CHECK(sh(sbx, "echo alive").stdout_data == "alive\n");
    expect_ok(sbx.kill(), "kill");
}

namespace {

// The host uid range of a running sandbox: its agent is root (uid 0) inside.
std::uint64_t host_uid_base(const Sandbox& sbx) {
    int agent = agent_host_pid(sbx);
    REQUIRE(agent > 0);
    auto uid = host_euid(agent);
    REQUIRE(uid.has_value());
    REQUIRE(*uid >= kHostIdBase);
    return *uid;
}

} // namespace

TEST_CASE("exhaustion 12: daemonised processes die with kill(), nothing keeps the host uid") {
    Sandbox sbx = make_sandbox();
    std::uint64_t base = host_uid_base(sbx);
    // Three ways out of the command's tree: setsid + background, a python double fork with a new
    // session, and nohup under root.
    auto r = sh(sbx, "setsid sh -c 'sleep 1000 &' </dev/null >/dev/null 2>&1 &\n"
                     "python3 -c 'import os, time\n"
                     "if os.fork() == 0:\n"
                     "    os.setsid()\n"
                     "    if os.fork() == 0:\n"
                     "        os.closerange(0, 3); time.sleep(1000)\n"
                     "    os._exit(0)\n'\n"
                     "echo started");
    CHECK(r.stdout_data == "started\n");
    auto root = sh(sbx, "nohup setsid sleep 1000 </dev/null >/dev/null 2>&1 & echo started",
                   as_user("root"));
    CHECK(root.stdout_data == "started\n");
    // They are alive (so the check after kill() means something)...
    CHECK(eventually([&] { return host_pids_with_uid_in(base, kHostIdRange).size() >= 4; }, 5s));
    expect_ok(sbx.kill(), "kill");
    // ...and gone once the sandbox is.
    CHECK(eventually([&] { return host_pids_with_uid_in(base, kHostIdRange).empty(); }, 5s));
    CHECK_FALSE(sbx.is_running());
}

TEST_CASE("exhaustion 12: a sandbox does not outlive its timeout") {
    SandboxOptions options;
    options.timeout = 1s;
    Sandbox sbx = make_sandbox(options);
    std::uint64_t base = host_uid_base(sbx);
    auto daemon = sh(sbx, "setsid sleep 1000 </dev/null >/dev/null 2>&1 & echo started");
    CHECK(daemon.stdout_data == "started\n");
    CHECK(eventually([&] { return !sbx.is_running(); }, 10s));
    CHECK(eventually([&] { return host_pids_with_uid_in(base, kHostIdRange).empty(); }, 5s));
    // Killing a sandbox that already ended is harmless.
    (void)sbx.kill();
}
