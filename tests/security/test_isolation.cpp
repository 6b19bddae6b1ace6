// Checklist line 11: one sandbox against another (processes, files, /dev/shm, abstract Unix
// sockets, locks on shared inodes, host ids).
#include "security_support.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstring>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

using namespace soulbox;
using namespace soulbox::test;
using namespace soulbox::test::security;

TEST_CASE("isolation 11: processes, files, /dev/shm and abstract sockets of A are invisible in B") {
    Sandbox a = make_sandbox();
    Sandbox b = make_sandbox();
    // A: files in /tmp and /dev/shm, a POSIX shm object, and a listening abstract socket.
    auto server =
        expect_ok(a.commands().start(std::vector<std::string>{"/usr/bin/python3", "-c", R"PY(
import socket, time
open("/tmp/a-secret", "w").write("A")
open("/dev/shm/a-secret", "w").write("A")
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind("\0soulbox-isolation-test")
s.listen(1)
open("/tmp/a-ready", "w").write("1")
time.sleep(60)
)PY"}),
                  "start A's server");
    auto ready = sh(a, "for i in $(seq 1 1000); do [ -e /tmp/a-ready ] && break; sleep 0.01; done; "
                       "pgrep -f soulbox-isolation >/dev/null; echo $?");
    REQUIRE(ready.stdout_data == "0\n");
    // A can reach its own socket, so the B result below means isolation, not a broken probe.
    auto own = probe(a, R"PY(
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
show("connect", attempt(lambda: s.connect("\0soulbox-isolation-test")))
)PY");
    CHECK(own["connect"] == "ok");

    for (const char* user : {"user", "root"}) {
        CAPTURE(std::string(user));
        auto p = probe(b, R"PY(
name = "\0soulbox-iso" + "lation-test"  # split so this probe's own cmdline does not match
procs = []
for pid in os.listdir("/proc"):
    if pid.isdigit() and int(pid) != os.getpid():
        try: procs.append(open("/proc/%s/cmdline" % pid, "rb").read())
        except OSError: pass
show("sees_a", any(b"soulbox-isolation" in c for c in procs))
show("nprocs", len(procs))
show("tmp", attempt(lambda: open("/tmp/a-secret").read()))
show("shm", attempt(lambda: open("/dev/shm/a-secret").read()))
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
show("abstract", attempt(lambda: s.connect(name)))
)PY",
                       user);
        CHECK(p["sees_a"] == "False");
        CHECK(p["tmp"] == "ENOENT");
        CHECK(p["shm"] == "ENOENT");
        CHECK(p["abstract"] == "ECONNREFUSED");
    }
    expect_ok(server.kill(), "stop A's server");
    expect_ok(a.kill(), "kill A");
    expect_ok(b.kill(), "kill B");
}

TEST_CASE("isolation 11: A cannot signal or ptrace B's processes by their host pids") {
    Sandbox a = make_sandbox();
    Sandbox b = make_sandbox();
    auto sleeper = expect_ok(b.commands().start("exec sleep 60"), "start B's sleeper");
    int agent_b = agent_host_pid(b);
    REQUIRE(agent_b > 0);
    std::vector<int> targets{agent_b};
    REQUIRE(
        eventually([&] { return host_descendants(agent_b).size() >= 1; }, std::chrono::seconds(5)));
    for (int pid : host_descendants(agent_b))
        targets.push_back(pid);
    std::string list;
    for (int pid : targets)
        list += std::to_string(pid) + ",";
    auto p = probe(a, "targets = [" + list + "]\n" + R"PY(
show("kill", ",".join(attempt(lambda: os.kill(t, 9)) for t in targets))
show("ptrace", ",".join(raw_syscall(101, 16, t, 0, 0) for t in targets))
)PY",
                   "root");
    // A pid namespace has no name for B's processes: ESRCH (or a same-numbered process of
    // A's own, which kill would hit instead; the check below catches that too).
    for (const char* what : {"kill", "ptrace"}) {
        CAPTURE(std::string(what));
        std::string results = p[what];
        CHECK(results.find("ok") == std::string::npos);
    }
    CHECK(b.is_running());
    CHECK(sh(b, "pgrep -x sleep >/dev/null && echo sleeping").stdout_data == "sleeping\n");
    expect_ok(sleeper.kill(), "stop sleeper");
    expect_ok(a.kill(), "kill A");
    expect_ok(b.kill(), "kill B");
}

TEST_CASE("isolation 11: sandbox processes run as distinct unprivileged host uids") {
    Sandbox a = make_sandbox();
    Sandbox b = make_sandbox();
    auto run_a = expect_ok(a.commands().start("exec sleep 60"), "sleep in A");
    auto run_b = expect_ok(b.commands().start("exec sleep 60", as_user("root")), "sleep in B");
    std::uint64_t uid[2] = {0, 0}, agent_uid[2] = {0, 0};
    Sandbox* boxes[2] = {&a, &b};
    for (int i = 0; i < 2; ++i) {
        int agent = agent_host_pid(*boxes[i]);
        REQUIRE(agent > 0);
        agent_uid[i] = host_euid(agent).value_or(0);
        REQUIRE(
            eventually([&] { return !host_descendants(agent).empty(); }, std::chrono::seconds(5)));
        uid[i] = host_euid(host_descendants(agent).front()).value_or(0);
    }
    // Root inside (the agent, B's sleeper) and the user (A's sleeper) are all far from any
    // host account, and the two sandboxes' ranges do not overlap.
    for (int i = 0; i < 2; ++i) {
        CAPTURE(i);
        CHECK(agent_uid[i] >= kHostIdBase);
        CHECK(agent_uid[i] < 2 * kHostIdBase);
        CHECK(uid[i] >= kHostIdBase);
    }
    CHECK(uid[0] == agent_uid[0] + 1000); // "user" is uid 1000 inside
    CHECK(uid[1] == agent_uid[1]);        // "root" is uid 0 inside
    CHECK(agent_uid[0] != agent_uid[1]);
    std::uint64_t lo = std::min(agent_uid[0], agent_uid[1]);
    std::uint64_t hi = std::max(agent_uid[0], agent_uid[1]);
    CHECK(hi - lo >= kHostIdRange);
    expect_ok(run_a.kill(), "stop A");
    expect_ok(run_b.kill(), "stop B");
    expect_ok(a.kill(), "kill A");
    expect_ok(b.kill(), "kill B");
}

TEST_CASE(
    "isolation 11: a lock taken in A on a shared read-only file does not block B or the host") {
    // /usr and parts of /etc are bind mounts of the host's own inodes, so flock() and POSIX
    // locks taken on them inside one sandbox are the same locks everyone else sees.
    const char* shared = "/usr/lib/os-release";
    REQUIRE(::access(shared, R_OK) == 0);
    Sandbox a = make_sandbox();
    Sandbox b = make_sandbox();
    auto holder =
        expect_ok(a.commands().start(std::vector<std::string>{"/usr/bin/python3", "-c", R"PY(
import fcntl, os, time
fd = os.open("/usr/lib/os-release", os.O_RDONLY)
fcntl.flock(fd, fcntl.LOCK_EX)
fd2 = os.open("/usr/lib/os-release", os.O_RDONLY)
fcntl.lockf(fd2, fcntl.LOCK_SH)
open("/tmp/locked", "w").write("1")
time.sleep(60)
)PY"}),
                  "lock holder in A");
    auto ready = sh(a, "for i in $(seq 1 1000); do [ -e /tmp/locked ] && echo locked && break; "
                       "sleep 0.01; done");
    REQUIRE(ready.stdout_data == "locked\n");
    auto p = probe(b, R"PY(
fd = os.open("/usr/lib/os-release", os.O_RDONLY)
show("flock", attempt(lambda: fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)))
show("lease", attempt(lambda: fcntl.fcntl(fd, fcntl.F_SETLEASE, fcntl.F_RDLCK)))
)PY");
    CHECK(p["flock"] == "ok");
    // Leases need ownership of the file (host root) or CAP_LEASE: refused.
    CHECK(one_of(p["lease"], {"EACCES", "EPERM"}));
    // The host itself: a non-blocking exclusive lock on the same file must not be refused.
    int fd = ::open(shared, O_RDONLY | O_CLOEXEC);
    REQUIRE(fd >= 0);
    errno = 0;
    int rc = ::flock(fd, LOCK_EX | LOCK_NB);
    int err = errno;
    CHECK_MESSAGE(rc == 0, "host flock on " << std::string(shared) << ": "
                                            << std::string(std::strerror(err)));
    if (rc == 0) ::flock(fd, LOCK_UN);
    ::close(fd);
    expect_ok(holder.kill(), "stop holder");
    expect_ok(a.kill(), "kill A");
    expect_ok(b.kill(), "kill B");
}
