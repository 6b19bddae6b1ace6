// Checklist lines 9 and 10: privilege leftovers (setuid, file capabilities, devices, ptrace,
// kill -1, the host environment) and the self-check a user can do from inside.
#include "security_support.hpp"

#include <doctest/doctest.h>

#include <csignal>
#include <cstdlib>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace soulbox;
using namespace soulbox::test;
using namespace soulbox::test::security;

// ---------------------------------------------------------------------------------------------
// Line 9

TEST_CASE("privileges 9: a setuid-root binary does not raise the effective uid") {
    REQUIRE_MESSAGE(::access("/usr/bin/su", X_OK) == 0, "the host has no /usr/bin/su to try");
    struct stat st {};
    REQUIRE(::stat("/usr/bin/su", &st) == 0);
    REQUIRE_MESSAGE((st.st_mode & S_ISUID) != 0, "/usr/bin/su is not setuid on this host");
    Sandbox sbx = make_sandbox();
    // su waits for a password on its stdin; while it does, its credentials are visible.
    auto p = probe(sbx, R"PY(
import subprocess
p = subprocess.Popen(["/usr/bin/su", "-c", "id", "root"], stdin=subprocess.PIPE,
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
uid = "su never ran"
deadline = time.time() + 10
while time.time() < deadline:
    try:
        status = open("/proc/%d/status" % p.pid).read()
    except OSError:
        break
    if "Name:\tsu\n" in status:
        uid = [l for l in status.splitlines() if l.startswith("Uid:")][0].split(None, 1)[1]
        cap = [l for l in status.splitlines() if l.startswith("CapEff:")][0].split()[1]
        break
    time.sleep(0.005)
show("su_uid", uid.replace("\t", " "))
show("su_capeff", cap)
p.kill(); p.wait()
opts = [l.split()[5] for l in open("/proc/self/mountinfo") if l.split()[4] == "/usr"]
show("usr_options", opts[0] if opts else "no /usr mount")
show("no_new_privs", [l.split()[1] for l in open("/proc/self/status") if l.startswith("NoNewPrivs")][0])
)PY");
    // real, effective, saved, fs: all still the sandbox user.
    CHECK(p["su_uid"] == "1000 1000 1000 1000");
    CHECK(p["su_capeff"] == "0000000000000000");
    CHECK(p["usr_options"].find("nosuid") != std::string::npos);
    CHECK(p["no_new_privs"] == "1");
    expect_ok(sbx.kill(), "kill");
}

TEST_CASE("privileges 9: file capabilities on a binary are not granted") {
    const char* helper = "/usr/lib/x86_64-linux-gnu/gstreamer1.0/gstreamer-1.0/gst-ptp-helper";
    Sandbox sbx = make_sandbox();
    if (::access(helper, X_OK) != 0) {
        MESSAGE("no binary with file capabilities known on this host (gst-ptp-helper has "
                "cap_net_bind_service); only no_new_privs and nosuid on /usr are checked");
    } else {
        // With cap_net_bind_service it would bind the PTP ports 319/320; without, it fails.
        auto r = expect_ok(sbx.commands().run(std::vector<std::string>{helper}), "ptp helper");
        CHECK(r.exit_code != 0);
        CHECK(r.stderr_data.find("0.0.0.0:319: Permission denied") != std::string::npos);
    }
    auto status = sh(sbx, "grep -E '^(NoNewPrivs|CapEff)' /proc/self/status");
    CHECK(status.stdout_data == "CapEff:\t0000000000000000\nNoNewPrivs:\t1\n");
    expect_ok(sbx.kill(), "kill");
}

TEST_CASE("privileges 9: mknod of devices fails even as root and /dev holds only safe nodes") {
    Sandbox sbx = make_sandbox();
    const std::string body = R"PY(
import stat
show("mknod_mem", attempt(lambda: os.mknod("/tmp/mem", 0o600 | stat.S_IFCHR, os.makedev(1, 1))))
show("mknod_null", attempt(lambda: os.mknod("/tmp/null", 0o666 | stat.S_IFCHR, os.makedev(1, 3))))
show("mknod_disk", attempt(lambda: os.mknod("/tmp/vda", 0o600 | stat.S_IFBLK, os.makedev(254, 0))))
show("mknod_dev_shm", attempt(lambda: os.mknod("/dev/shm/kmsg", 0o600 | stat.S_IFCHR, os.makedev(1, 11))))
# A FIFO is not a device: it must still work (mkfifo uses mknod).
show("mkfifo", attempt(lambda: os.mkfifo("/tmp/fifo-" + str(os.getuid()))))
show("dev", ",".join(sorted(os.listdir("/dev"))))
)PY";
    for (const char* user : {"user", "root"}) {
        CAPTURE(std::string(user));
        auto p = probe(sbx, body, user);
        CHECK(p["mknod_mem"] == "EPERM");
        CHECK(p["mknod_null"] == "EPERM");
        CHECK(p["mknod_disk"] == "EPERM");
        CHECK(p["mknod_dev_shm"] == "EPERM");
        CHECK(p["mkfifo"] == "ok");
        CHECK(p["dev"] == "fd,full,null,ptmx,pts,random,shm,stderr,stdin,stdout,tty,urandom,zero");
    }
    expect_ok(sbx.kill(), "kill");
}

TEST_CASE("privileges 9: ptrace and process_vm_readv of a sibling process fail with EPERM") {
    Sandbox sbx = make_sandbox();
    auto sibling = expect_ok(sbx.commands().start("exec sleep 60"), "start sibling");
    const std::string body = R"PY(
pid = 0
deadline = time.time() + 10
while not pid and time.time() < deadline:
    for p in os.listdir("/proc"):
        if p.isdigit() and open("/proc/%s/cmdline" % p, "rb").read().startswith(b"sleep\0"):
            pid = int(p)
    time.sleep(0.005)
show("found", pid > 0)
PTRACE_ATTACH, PTRACE_SEIZE = 16, 0x4206
show("attach", raw_syscall(101, PTRACE_ATTACH, pid, 0, 0))
show("seize", raw_syscall(101, PTRACE_SEIZE, pid, 0, 0))
local = cstr(b"\0" * 64); remote = cstr(b"\0" * 64)
iov_l = (ctypes.c_void_p * 2)(local, 64); iov_r = (ctypes.c_void_p * 2)(0x400000, 64)
show("vm_readv", raw_syscall(310, pid, ctypes.addressof(iov_l), 1, ctypes.addressof(iov_r), 1, 0))
show("pidfd_getfd", raw_syscall(438, os.pidfd_open(pid), 0, 0))
)PY";
    for (const char* user : {"user", "root"}) {
        CAPTURE(std::string(user));
        auto p = probe(sbx, body, user);
        REQUIRE(p["found"] == "True");
        CHECK(p["attach"] == "EPERM");
        CHECK(p["seize"] == "EPERM");
        CHECK(p["vm_readv"] == "EPERM");
        CHECK(p["pidfd_getfd"] == "EPERM");
    }
    expect_ok(sibling.kill(), "kill sibling");
    expect_ok(sbx.kill(), "kill");
}

TEST_CASE(
    "privileges 9: the sandbox user cannot write a root process's memory via /proc/<pid>/mem") {
    // ptrace is refused by seccomp, but /proc/<pid>/mem gives the same power to a process that
    // passes the kernel's ptrace access check. Processes of one uid in one sandbox are one trust
    // domain (as for any Unix user; docs/design.md); the boundary is between uids: the sandbox
    // user must not reach a process running as root inside.
    Sandbox sbx = make_sandbox();
    RunOptions as_root;
    as_root.user = "root";
    auto victim =
        expect_ok(sbx.commands().start(std::vector<std::string>{"/usr/bin/python3", "-c", R"PY(
import ctypes, os, time
buf = ctypes.create_string_buffer(b"UNTOUCHED")
open("/tmp/victim", "w").write("%d %d" % (os.getpid(), ctypes.addressof(buf)))
os.chmod("/tmp/victim", 0o644)
deadline = time.time() + 3
while buf.value == b"UNTOUCHED" and time.time() < deadline:
    time.sleep(0.005)
print(buf.value.decode())
)PY"},
                                       as_root),
                  "start victim");
    auto p = probe(sbx, R"PY(
deadline = time.time() + 10
while not os.path.exists("/tmp/victim") and time.time() < deadline:
    time.sleep(0.005)
time.sleep(0.05)
pid, addr = map(int, open("/tmp/victim").read().split())
def poke():
    fd = os.open("/proc/%d/mem" % pid, os.O_RDWR)
    os.pwrite(fd, b"PWNED\0", addr)
show("write_mem", attempt(poke))
)PY");
    auto seen = expect_ok(victim.wait(), "wait victim");
    CHECK(one_of(p["write_mem"], {"EACCES", "EPERM"}));
    CHECK(seen.stdout_data == "UNTOUCHED\n");
    expect_ok(sbx.kill(), "kill");
}

TEST_CASE("privileges 9: kill(-1, SIGKILL) inside reaches neither the agent nor the host") {
    // A host process the sandbox must not be able to signal.
    pid_t sentinel = ::fork();
    REQUIRE(sentinel >= 0);
    if (sentinel == 0) {
        for (;;)
            ::pause();
    }
    Sandbox sbx = make_sandbox();
    for (const char* user : {"user", "root"}) {
        CAPTURE(std::string(user));
        // A process of the same uid, which kill(-1) may reach, proves the call really ran.
        auto victim = expect_ok(sbx.commands().start("exec sleep 60", as_user(user)), "victim");
        auto p = probe(sbx,
                       "show('kill_all', attempt(lambda: os.kill(-1, 9)))\n"
                       "show('kill_agent', attempt(lambda: os.kill(1, 9)))\n",
                       user);
        CHECK(p["kill_all"] == "ok");
        auto ended = expect_ok(victim.wait(), "wait victim");
        CHECK(ended.signal == SIGKILL);
        CHECK_FALSE(ended.timed_out);
        // The agent (pid 1) ignores what it did not ask for, or refuses outright.
        CHECK(one_of(p["kill_agent"], {"ok", "EPERM"}));
        CHECK(sh(sbx, "echo alive").stdout_data == "alive\n");
        CHECK(sbx.is_running());
    }
    int status = 0;
    CHECK(::waitpid(sentinel, &status, WNOHANG) == 0);
    CHECK(::kill(sentinel, 0) == 0);
    ::kill(sentinel, SIGKILL);
    ::waitpid(sentinel, &status, 0);
    expect_ok(sbx.kill(), "kill");
}

TEST_CASE("privileges 9: the host's environment variables are not visible inside") {
    ::setenv("SOULBOX_SECURITY_CANARY", "host-secret-4f2a", 1);
    Sandbox sbx = make_sandbox();
    for (const char* user : {"user", "root"}) {
        CAPTURE(std::string(user));
        auto r = sh(sbx, "env; cat /proc/self/environ | tr '\\0' '\\n'", as_user(user));
        CHECK(r.exit_code == 0);
        CHECK(r.stdout_data.find("SOULBOX_SECURITY_CANARY") == std::string::npos);
        CHECK(r.stdout_data.find("host-secret-4f2a") == std::string::npos);
    }
    ::unsetenv("SOULBOX_SECURITY_CANARY");
    expect_ok(sbx.kill(), "kill");
}

// ---------------------------------------------------------------------------------------------
// Line 10

TEST_CASE("privileges 10: self-check shows no capabilities, no_new_privs and a seccomp filter") {
    Sandbox sbx = make_sandbox();
    const std::string body = R"PY(
for line in open("/proc/self/status"):
    key, _, value = line.partition(":")
    if key in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb", "NoNewPrivs", "Seccomp"):
        show(key, value.strip())
show("uid", os.getuid())
show("shadow", attempt(lambda: open("/etc/shadow").read()))
show("gshadow", attempt(lambda: open("/etc/gshadow").read()))
show("ssh", attempt(lambda: os.listdir("/etc/ssh")))
show("home", ",".join(sorted(os.listdir("/home"))))
show("root_home", attempt(lambda: show("root_entries", ",".join(os.listdir("/root")))))
show("users", ",".join(l.split(":")[0] for l in open("/etc/passwd")))
)PY";
    for (const char* user : {"user", "root"}) {
        CAPTURE(std::string(user));
        auto p = probe(sbx, body, user);
        for (const char* cap : {"CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"}) {
            CAPTURE(std::string(cap));
            CHECK(p[cap] == "0000000000000000");
        }
        CHECK(p["NoNewPrivs"] == "1");
        CHECK(p["Seccomp"] == "2");
        CHECK(p["uid"] == (std::string(user) == "root" ? "0" : "1000"));
        CHECK(p["shadow"] == "ENOENT");
        CHECK(p["gshadow"] == "ENOENT");
        CHECK(p["ssh"] == "ENOENT");
        CHECK(p["home"] == "user");
        CHECK(p["users"] == "root,user,nobody");
        if (std::string(user) == "root") {
            CHECK(p["root_home"] == "ok");
            CHECK(p["root_entries"] == "");
        } else {
            CHECK(p["root_home"] == "EACCES");
        }
    }
    expect_ok(sbx.kill(), "kill");
}
