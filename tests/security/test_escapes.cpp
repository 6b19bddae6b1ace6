// Checklist lines 1-4: escapes through the agent binary, inherited descriptors, the old root and
// the kernel's sensitive /proc and /sys files. Lines 5 and 6 are covered elsewhere.
#include "security_support.hpp"

#include <doctest/doctest.h>

#include <cstring>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace soulbox;
using namespace soulbox::test;
using namespace soulbox::test::security;

// ---------------------------------------------------------------------------------------------
// Line 1: runc CVE-2019-5736. The only process that "joins" a sandbox is its agent (pid 1),
// which runs from a sealed memfd and is not dumpable.

TEST_CASE("escape 1: write the agent binary through /proc/1/exe, read its memory and state") {
    Sandbox sbx = make_sandbox();
    const std::string body = R"PY(
show("exe_wronly", attempt(lambda: os.open("/proc/1/exe", os.O_WRONLY)))
show("exe_rdwr", attempt(lambda: os.open("/proc/1/exe", os.O_RDWR)))
show("exe_rdonly", attempt(lambda: os.open("/proc/1/exe", os.O_RDONLY)))
show("exe_readlink", attempt(lambda: os.readlink("/proc/1/exe")))
show("mem", attempt(lambda: os.open("/proc/1/mem", os.O_RDWR)))
show("mem_read", attempt(lambda: os.open("/proc/1/mem", os.O_RDONLY)))
show("environ", attempt(lambda: open("/proc/1/environ", "rb").read()))
show("cwd", attempt(lambda: os.readlink("/proc/1/cwd")))
show("root", attempt(lambda: os.readlink("/proc/1/root")))
show("map_files", attempt(lambda: os.listdir("/proc/1/map_files")))
fds = []
try:
    fds = os.listdir("/proc/1/fd")
except OSError:
    pass
show("agent_fd_opened", sum(1 for fd in fds if attempt(lambda: os.open("/proc/1/fd/" + fd, os.O_RDONLY)) == "ok"))
name = [l for l in open("/proc/1/status") if l.startswith("Name:")][0].split()[1]
show("name", name)
# The program's own binary (and so any sibling's) lives on the read-only /usr.
show("self_exe_wronly", attempt(lambda: os.open("/proc/self/exe", os.O_WRONLY)))
show("python_wronly", attempt(lambda: os.open(os.path.realpath("/usr/bin/python3"), os.O_WRONLY)))
)PY";
    for (const char* user : {"user", "root"}) {
        CAPTURE(std::string(user));
        auto p = probe(sbx, body, user);
        CHECK(one_of(p["exe_wronly"], {"EACCES", "EPERM", "ETXTBSY"}));
        CHECK(one_of(p["exe_rdwr"], {"EACCES", "EPERM", "ETXTBSY"}));
        CHECK(one_of(p["exe_rdonly"], {"EACCES", "EPERM"}));
        CHECK(one_of(p["exe_readlink"], {"EACCES", "EPERM"}));
        CHECK(one_of(p["mem"], {"EACCES", "EPERM"}));
        CHECK(one_of(p["mem_read"], {"EACCES", "EPERM"}));
        CHECK(one_of(p["environ"], {"EACCES", "EPERM"}));
        CHECK(one_of(p["cwd"], {"EACCES", "EPERM"}));
        CHECK(one_of(p["root"], {"EACCES", "EPERM"}));
        CHECK(one_of(p["map_files"], {"EACCES", "EPERM"}));
        CHECK(p["agent_fd_opened"] == "0");
        // The kernel names a process exec'd from a memfd after the memfd ("memfd:soulbox-agent").
        CHECK(p["name"].rfind("memfd:", 0) == 0);
        CHECK(one_of(p["self_exe_wronly"], {"EROFS", "ETXTBSY", "EACCES"}));
        CHECK(one_of(p["python_wronly"], {"EROFS", "ETXTBSY", "EACCES"}));
    }

    // Even the host's root cannot change the image: the memfd is sealed against writes.
    int agent = agent_host_pid(sbx);
    REQUIRE(agent > 0);
    std::string exe = "/proc/" + std::to_string(agent) + "/exe";
    char target[256] = {};
    REQUIRE(::readlink(exe.c_str(), target, sizeof target - 1) > 0);
    CHECK(std::string(target).rfind("/memfd:soulbox-agent", 0) == 0);
    int fd = ::open(exe.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
        CHECK(one_of(strerrorname_np(errno), {"ETXTBSY", "EPERM", "EACCES"}));
    } else {
        // Rewrite the first byte with itself (harmless if the seal were missing).
        char first = 0x7f;
        errno = 0;
        CHECK(::pwrite(fd, &first, 1, 0) == -1);
        CHECK(errno == EPERM);
        ::close(fd);
    }
    expect_ok(sbx.kill(), "kill");
}

// ---------------------------------------------------------------------------------------------
// Line 2: runc CVE-2024-21626. The embedding program has descriptors open without
// close-on-exec; none may be reachable inside, and the cwd must be inside the new root.

TEST_CASE("escape 2: inherited host descriptors and a host cwd are not reachable inside") {
    // Leaked on purpose: a host directory, a host file, a socket, all without O_CLOEXEC.
    int dir_fd = ::open("/", O_RDONLY | O_DIRECTORY);
    int file_fd = ::open("/etc/hostname", O_RDONLY);
    int sock_fd = ::socket(AF_INET, SOCK_STREAM, 0);
    int high_fd = ::fcntl(dir_fd, F_DUPFD, 900);
    REQUIRE(dir_fd >= 0);
    REQUIRE(file_fd >= 0);
    REQUIRE(sock_fd >= 0);
    REQUIRE(high_fd >= 900);

    Sandbox sbx = make_sandbox();
    const std::string body = R"PY(
open_fds = [fd for fd in range(0, 4096) if attempt(lambda: os.fstat(fd)) == "ok"]
show("open_fds", ",".join(map(str, open_fds)))
# What /proc/self/fd lists, minus the directory fd listdir itself used (gone afterwards).
listed = [fd for fd in os.listdir("/proc/self/fd") if attempt(lambda: os.readlink("/proc/self/fd/" + fd)) == "ok"]
show("listed", ",".join(sorted(listed, key=int)))
show("getcwd", os.getcwd())
show("cwd_link", os.readlink("/proc/self/cwd"))
show("root_link", os.readlink("/proc/self/root"))
# The runc trick: reach the host through a leaked directory fd by number.
show("fd_dotdot", attempt(lambda: os.listdir("/proc/self/fd/%d/.." % DIRFD)))
show("fchdir", attempt(lambda: os.fchdir(DIRFD)))
)PY";
    std::string with_fd = "DIRFD = " + std::to_string(high_fd) + "\n" + body;
    for (const char* user : {"user", "root"}) {
        CAPTURE(std::string(user));
        auto p = probe(sbx, with_fd, user);
        CHECK(p["open_fds"] == "0,1,2");
        CHECK(p["listed"] == "0,1,2");
        std::string home = std::string(user) == "root" ? "/root" : "/home/user";
        CHECK(p["getcwd"] == home);
        CHECK(p["cwd_link"] == home);
        CHECK(p["root_link"] == "/");
        CHECK(p["fd_dotdot"] == "ENOENT");
        CHECK(p["fchdir"] == "EBADF");
    }
    // A shell sees the same: nothing but its standard streams.
    auto shell =
        sh(sbx, "for f in /proc/self/fd/*; do [ -e \"$f\" ] && echo -n \"${f##*/} \"; done; echo");
    CHECK(shell.stdout_data == "0 1 2 \n");
    expect_ok(sbx.kill(), "kill");
    ::close(high_fd);
    ::close(sock_fd);
    ::close(file_fd);
    ::close(dir_fd);
}

// ---------------------------------------------------------------------------------------------
// Line 3: the old root, host /proc and /sys, cgroupfs and release_agent.

TEST_CASE("escape 3: the old root, host mounts, /sys and cgroupfs are out of reach") {
    Sandbox sbx = make_sandbox();
    const std::string body = R"PY(
allowed = {"bin", "sbin", "lib", "lib32", "lib64", "libx32", "usr", "etc", "home", "root",
           "tmp", "var", "run", "opt", "dev", "proc"}
show("unexpected_top", ",".join(sorted(set(os.listdir("/")) - allowed)))
for p in ["/work", "/old_root", "/root/.pyenv", "/sys", "/boot", "/mnt", "/srv", "/media"]:
    show("exists" + p, os.path.exists(p))
bad = []
roots = 0
for line in open("/proc/self/mountinfo"):
    f = line.split()
    fsroot, point = f[3], f[4]
    fstype, source = line.split(" - ")[1].split()[:2]
    if point == "/":
        roots += 1
        if fstype != "tmpfs": bad.append(line.strip())
    # A whole host filesystem (its "/") mounted anywhere would be the old root. Overlays are the
    # read-only views of host directories: only the allowed ones may be their lower layer.
    if fstype == "overlay":
        lower = [o for o in line.split(" - ")[1].split()[2].split(",") if o.startswith("lowerdir=")]
        top = lower[0][len("lowerdir="):].split(":")[0] if lower else ""
        if top not in ("/usr", "/etc/ssl/certs", "/etc/alternatives", "/etc/ca-certificates",
                       "/etc/python3", "/etc/python3.11", "/etc/fonts") or top != point:
            bad.append(line.strip())
    elif fstype not in ("tmpfs", "proc", "devpts", "devtmpfs") and fsroot == "/": bad.append(line.strip())
    virtual = fstype in ("tmpfs", "proc", "devpts", "devtmpfs")
    for host in ("/work", "/old_root", "/root", "/sys", "/home", "/run/soulbox"):
        if (fsroot.startswith(host) and not virtual) or point.startswith(host): bad.append(line.strip())
show("root_mounts", roots)
show("bad_mounts", " | ".join(bad))
pids = [p for p in os.listdir("/proc") if p.isdigit()]
show("proc_pids_small", all(int(p) < 100 for p in pids))
cg = open("/proc/self/cgroup").read().split()
show("cgroup_paths", ",".join(sorted(set(l.split(":", 2)[2] for l in cg))))
show("cgroup_procs", attempt(lambda: open("/sys/fs/cgroup/cgroup.procs", "w").write(str(os.getpid()))))
os.makedirs("/tmp/cg", exist_ok=True)
# CDK mount_cgroup: a v1 hierarchy with a release_agent, then notify_on_release.
show("mount_cgroup1", raw_syscall(165, cstr("cgroup"), cstr("/tmp/cg"), cstr("cgroup"), 0, cstr("rdma,release_agent=/tmp/x")))
show("mount_cgroup2", raw_syscall(165, cstr("cgroup2"), cstr("/tmp/cg"), cstr("cgroup2"), 0, 0))
show("mount_sysfs", raw_syscall(165, cstr("sysfs"), cstr("/tmp/cg"), cstr("sysfs"), 0, 0))
show("mount_proc", raw_syscall(165, cstr("proc"), cstr("/tmp/cg"), cstr("proc"), 0, 0))
show("fsopen_cgroup", raw_syscall(430, cstr("cgroup"), 0))
show("chroot", raw_syscall(161, cstr("/tmp")))
)PY";
    for (const char* user : {"user", "root"}) {
        CAPTURE(std::string(user));
        auto p = probe(sbx, body, user);
        CHECK(p["unexpected_top"] == "");
        CHECK(p["exists/work"] == "False");
        CHECK(p["exists/old_root"] == "False");
        CHECK(p["exists/root/.pyenv"] == "False");
        CHECK(p["exists/sys"] == "False");
        CHECK(p["exists/boot"] == "False");
        CHECK(p["exists/mnt"] == "False");
        CHECK(p["root_mounts"] == "1");
        CHECK(p["bad_mounts"] == "");
        CHECK(p["proc_pids_small"] == "True");
        // The cgroup namespace is rooted at the sandbox's own group: no host path shows.
        CHECK(p["cgroup_paths"] == "/");
        CHECK(one_of(p["cgroup_procs"], {"ENOENT", "EACCES", "EROFS"}));
        CHECK(p["mount_cgroup1"] == "EPERM");
        CHECK(p["mount_cgroup2"] == "EPERM");
        CHECK(p["mount_sysfs"] == "EPERM");
        CHECK(p["mount_proc"] == "EPERM");
        CHECK(p["fsopen_cgroup"] == "EPERM");
        CHECK(p["chroot"] == "EPERM");
    }
    expect_ok(sbx.kill(), "kill");
}

// ---------------------------------------------------------------------------------------------
// Line 4: masked and read-only paths.

TEST_CASE("escape 4: kernel files in /proc are masked, /proc/sys is read-only, no /sys") {
    const std::string host_core_pattern = read_host_file("/proc/sys/kernel/core_pattern");
    if (::access("/proc/kcore", F_OK) != 0)
        MESSAGE("this kernel has no /proc/kcore; the test checks it is absent inside too");
    if (::access("/proc/sysrq-trigger", F_OK) != 0)
        MESSAGE("this kernel has no /proc/sysrq-trigger; the test checks it is absent inside too");
    Sandbox sbx = make_sandbox();
    const std::string body = R"PY(
import stat
def content(path):
    try:
        with open(path, "rb") as f:
            data = f.read(4096)
        return "empty" if not data else "readable"
    except OSError as e:
        return errno.errorcode[e.errno]
def masked_or_absent(path):
    try:
        st = os.stat(path)
    except OSError as e:
        return errno.errorcode[e.errno]
    # Masked by a bind of /dev/null (char 1:3): writing there goes nowhere.
    if stat.S_ISCHR(st.st_mode) and os.major(st.st_rdev) == 1 and os.minor(st.st_rdev) == 3:
        return "masked"
    return "REAL FILE: write " + attempt(lambda: open(path, "w").write("h"))
for p in ["kcore", "keys", "key-users", "timer_list", "sched_debug", "kallsyms", "vmallocinfo"]:
    show(p, content("/proc/" + p))
show("sysrq-trigger", masked_or_absent("/proc/sysrq-trigger"))
show("core_pattern", attempt(lambda: open("/proc/sys/kernel/core_pattern", "w").write("|/tmp/pwn")))
show("hostname_sysctl", attempt(lambda: open("/proc/sys/kernel/hostname", "w").write("pwned")))
show("drop_caches", attempt(lambda: open("/proc/sys/vm/drop_caches", "w").write("3")))
show("modprobe", attempt(lambda: open("/proc/sys/kernel/modprobe", "w").write("/tmp/pwn")))
show("sys_firmware", attempt(lambda: os.listdir("/sys/firmware")))
show("sys_kernel", attempt(lambda: os.listdir("/sys/kernel")))
)PY";
    for (const char* user : {"user", "root"}) {
        CAPTURE(std::string(user));
        auto p = probe(sbx, body, user);
        for (const char* file : {"kcore", "keys", "key-users", "timer_list", "sched_debug",
                                 "kallsyms", "vmallocinfo"}) {
            CAPTURE(file);
            CHECK(one_of(p[file], {"empty", "ENOENT", "EACCES", "EPERM"}));
        }
        CHECK(one_of(p["sysrq-trigger"], {"masked", "ENOENT"}));
        CHECK(one_of(p["core_pattern"], {"EROFS", "EACCES", "EPERM"}));
        CHECK(one_of(p["hostname_sysctl"], {"EROFS", "EACCES", "EPERM"}));
        CHECK(one_of(p["drop_caches"], {"EROFS", "EACCES", "EPERM"}));
        CHECK(one_of(p["modprobe"], {"EROFS", "EACCES", "EPERM", "ENOENT"}));
        CHECK(p["sys_firmware"] == "ENOENT");
        CHECK(p["sys_kernel"] == "ENOENT");
    }
    CHECK(read_host_file("/proc/sys/kernel/core_pattern") == host_core_pattern);
    expect_ok(sbx.kill(), "kill");
}
