// Checklist line 7: the mount, namespace and kernel surface, called directly from inside.
#include "security_support.hpp"

#include <doctest/doctest.h>

#include <csignal>

using namespace soulbox;
using namespace soulbox::test;
using namespace soulbox::test::security;

#if defined(__x86_64__)

// Raw syscalls through ctypes with x86_64 numbers, so no libc wrapper can hide an answer.
static const char* const kSurfaceProbe = R"PY(
tmp = cstr("/tmp"); buf = cstr(b"\0" * 4096); name = cstr("user")
os.makedirs("/tmp/m", exist_ok=True)
netns = os.open("/proc/self/ns/net", os.O_RDONLY)
calls = {
    "mount":           (165, cstr("tmpfs"), cstr("/tmp/m"), cstr("tmpfs"), 0, 0),
    "mount_bind":      (165, cstr("/"), cstr("/tmp/m"), 0, 4096, 0),
    "umount2":         (166, cstr("/proc"), 2),
    "pivot_root":      (155, tmp, tmp),
    "unshare_user":    (272, 0x10000000),
    "unshare_mnt":     (272, 0x00020000),
    "unshare_net":     (272, 0x40000000),
    "clone_newns":     (56, 0x00020000 | 17, 0, 0, 0, 0),
    "clone_newuser":   (56, 0x10000000 | 17, 0, 0, 0, 0),
    "clone3":          (435, buf, 88),
    "setns":           (308, netns, 0),
    "fsopen":          (430, cstr("tmpfs"), 0),
    "fspick":          (433, -100, tmp, 0),
    "open_tree":       (428, -100, cstr("/"), 1),
    "move_mount":      (429, -100, tmp, -100, cstr("/tmp/m"), 0),
    "mount_setattr":   (442, -100, tmp, 0, buf, 32),
    "keyctl":          (250, 0, -3, 0),
    "add_key":         (248, name, name, buf, 1, -3),
    "request_key":     (249, name, name, 0, -3),
    "bpf":             (321, 0, buf, 48),
    "perf_event_open": (298, buf, 0, -1, -1, 0),
    "userfaultfd":     (323, 0),
    "kexec_load":      (246, 0, 0, 0, 0),
    "kexec_file_load": (320, -1, -1, 0, 0, 0),
    "init_module":     (175, buf, 16, name),
    "finit_module":    (313, 0, name, 0),
    "delete_module":   (176, name, 0),
    "io_uring_setup":  (425, 8, buf),
    "io_uring_enter":  (426, 0, 0, 0, 0, 0, 0),
    "open_by_handle_at": (304, -100, buf, 0),
    # Docker denies ADDR_NO_RANDOMIZE (0x0040000): it weakens ASLR for what runs next.
    "personality_no_aslr": (135, 0x0040000),
    "personality_read_implies_exec": (135, 0x0400000),
}
for k, v in calls.items():
    show(k, raw_syscall(*v))
show("personality_query", "ok" if libc.personality(0xffffffff) >= 0 else "failed")
for fam, label in ((40, "vsock"), (38, "alg"), (17, "packet"), (15, "key"), (29, "can"), (31, "bluetooth")):
    show("socket_" + label, attempt(lambda: socket.socket(fam, socket.SOCK_DGRAM if fam != 17 else socket.SOCK_RAW).close()))
    show("socketpair_" + label, raw_syscall(53, fam, 1, 0, buf))
)PY";

TEST_CASE("kernel surface 7: mount, namespace, keyring, bpf, io_uring, module and kexec calls "
          "fail with EPERM") {
    Sandbox sbx = make_sandbox();
    for (const char* user : {"user", "root"}) {
        CAPTURE(std::string(user));
        auto p = probe(sbx, kSurfaceProbe, user);
        for (const char* call : {"mount",
                                 "mount_bind",
                                 "umount2",
                                 "pivot_root",
                                 "unshare_user",
                                 "unshare_mnt",
                                 "unshare_net",
                                 "clone_newns",
                                 "clone_newuser",
                                 "setns",
                                 "fsopen",
                                 "fspick",
                                 "open_tree",
                                 "move_mount",
                                 "mount_setattr",
                                 "keyctl",
                                 "add_key",
                                 "request_key",
                                 "bpf",
                                 "perf_event_open",
                                 "userfaultfd",
                                 "kexec_load",
                                 "kexec_file_load",
                                 "init_module",
                                 "finit_module",
                                 "delete_module",
                                 "io_uring_setup",
                                 "io_uring_enter",
                                 "open_by_handle_at",
                                 "personality_no_aslr",
                                 "personality_read_implies_exec"}) {
            CAPTURE(std::string(call));
            CHECK(p[call] == "EPERM");
        }
        // clone3 keeps its flags in memory seccomp cannot read: ENOSYS makes libc use clone.
        CHECK(p["clone3"] == "ENOSYS");
        CHECK(p["personality_query"] == "ok");
        for (const char* family : {"vsock", "alg", "packet", "key", "can", "bluetooth"}) {
            CAPTURE(std::string(family));
            CHECK(p[std::string("socket_") + family] == "EAFNOSUPPORT");
            CHECK(p[std::string("socketpair_") + family] == "EAFNOSUPPORT");
        }
    }
    // The filter held for the calls above; the sandbox still works normally.
    CHECK(sh(sbx, "echo alive").stdout_data == "alive\n");
    expect_ok(sbx.kill(), "kill");
}

TEST_CASE("kernel surface 7: an x32 syscall kills the process with SIGSYS") {
    Sandbox sbx = make_sandbox();
    // getpid (39) with the x32 bit: the filter only admits the native ABI.
    auto r = python(sbx, "libc.syscall(ctypes.c_long(0x40000000 | 39))\nprint('survived')\n");
    CHECK(r.stdout_data.find("survived") == std::string::npos);
    CHECK(r.signal == SIGSYS);
    CHECK(r.exit_code == -1);
    expect_ok(sbx.kill(), "kill");
}

TEST_CASE("kernel surface 7: a 32-bit int 0x80 syscall kills the process with SIGSYS") {
    Sandbox sbx = make_sandbox();
    // mov eax, 20 (i386 getpid); int 0x80; ret — run from an executable mapping.
    auto r = python(sbx, R"PY(
import mmap
m = mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
m.write(bytes([0xb8, 0x14, 0, 0, 0, 0xcd, 0x80, 0xc3]))
f = ctypes.CFUNCTYPE(ctypes.c_long)(ctypes.addressof(ctypes.c_char.from_buffer(m)))
print("survived", f())
)PY",
                    as_user("root"));
    CHECK(r.stdout_data.find("survived") == std::string::npos);
    CHECK(r.signal == SIGSYS);
    expect_ok(sbx.kill(), "kill");
}

#else

TEST_CASE("kernel surface 7: raw syscall numbers are only written for x86_64") {
    MESSAGE("the line-7 probes use x86_64 syscall numbers and x86 machine code; port the "
            "numbers to run them on this architecture");
    Sandbox sbx = make_sandbox();
    // What can be checked without syscall numbers: mount(8) as root is refused.
    auto r = sh(sbx, "mount -t tmpfs none /tmp 2>&1", as_user("root"));
    CHECK(r.exit_code != 0);
    CHECK(r.stdout_data.find("ermission denied") != std::string::npos);
    expect_ok(sbx.kill(), "kill");
}

#endif
