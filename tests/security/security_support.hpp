// Helpers for the escape attempts in tests/security (../shared/SECURITY-CHECKLIST.md).
//
// Most attacks are small python3 programs run inside a real sandbox. They print one
// "name=value" line per attempt, where value is "ok" (the attempt worked) or the errno name
// it failed with, so a test can assert exactly what a user would check.
#pragma once

#include "support/sandbox_fixture.hpp"

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <dirent.h>
#include <fstream>
#include <initializer_list>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

namespace soulbox::test::security {

// Host ids of a rootful sandbox start here (src/ns/userns.cpp); each sandbox gets 65536.
constexpr std::uint64_t kHostIdBase = 1ull << 30;
constexpr std::uint64_t kHostIdRange = 65536;

// Shared by every probe: attempt(f) runs f and answers "ok" or the errno name.
inline constexpr const char* kPythonPrelude = R"PY(
import ctypes, errno, fcntl, os, socket, sys, time
def attempt(f):
    try:
        f()
        return "ok"
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))
def show(name, value):
    print(f"{name}={value}", flush=True)
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
def raw_syscall(nr, *args):
    ctypes.set_errno(0)
    r = libc.syscall(ctypes.c_long(nr), *[ctypes.c_long(a) for a in args])
    if r == 0 and nr == 56:  # a clone that worked: the child must not run the rest
        os._exit(0)
    return "ok" if r >= 0 else errno.errorcode.get(ctypes.get_errno(), str(ctypes.get_errno()))
def cstr(s):
    b = ctypes.create_string_buffer(s.encode() if isinstance(s, str) else s)
    _keep.append(b)
    return ctypes.addressof(b)
_keep = []
)PY";

using ProbeResult = std::map<std::string, std::string>;

inline RunOptions as_user(const std::string& user) {
    RunOptions options;
    options.user = user;
    options.timeout = std::chrono::seconds(30);
    return options;
}

// Run a python3 program (prelude + body) inside, without a shell in between.
inline CommandResult python(Sandbox& sbx, const std::string& body, RunOptions options = {}) {
    std::vector<std::string> argv{"/usr/bin/python3", "-c", std::string(kPythonPrelude) + body};
    return expect_ok(sbx.commands().run(std::move(argv), std::move(options)), "run python3");
}

// Run a probe and parse its "name=value" lines; the program itself must exit 0.
inline ProbeResult probe(Sandbox& sbx, const std::string& body, const std::string& user = "user") {
    CommandResult r = python(sbx, body, as_user(user));
    INFO("probe stdout:\n" << r.stdout_data << "probe stderr:\n" << r.stderr_data);
    REQUIRE(r.exit_code == 0);
    ProbeResult out;
    std::istringstream lines(r.stdout_data);
    for (std::string line; std::getline(lines, line);) {
        auto eq = line.find('=');
        if (eq != std::string::npos) out[line.substr(0, eq)] = line.substr(eq + 1);
    }
    return out;
}

inline bool one_of(const std::string& value, std::initializer_list<const char*> allowed) {
    for (const char* a : allowed)
        if (value == a) return true;
    return false;
}

inline std::string read_host_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

inline std::string state_root() {
    if (const char* env = std::getenv("SOULBOX_STATE_DIR"); env && *env) return env;
    return "/run/soulbox";
}

// The agent's host pid, from the sandbox's state file.
inline int agent_host_pid(const Sandbox& sbx) {
    std::string json = read_host_file(state_root() + "/" + sbx.id() + "/sandbox.json");
    auto at = json.find("\"agent_pid\":");
    if (at == std::string::npos) return -1;
    return std::atoi(json.c_str() + at + 12);
}

// Field of /proc/<pid>/status, e.g. "Uid" -> "1073742824\t1073742824\t...".
inline std::optional<std::string> host_status_field(int pid, const std::string& field) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    for (std::string line; std::getline(in, line);)
        if (line.rfind(field + ":", 0) == 0) return line.substr(field.size() + 2);
    return std::nullopt;
}

// Effective uid of a host process, from its status "Uid: real effective saved fs".
inline std::optional<std::uint64_t> host_euid(int pid) {
    auto uid = host_status_field(pid, "Uid");
    if (!uid) return std::nullopt;
    std::istringstream fields(*uid);
    std::uint64_t real = 0, effective = 0;
    if (!(fields >> real >> effective)) return std::nullopt;
    return effective;
}

// Every host pid and its parent.
inline std::map<int, int> host_parent_map() {
    std::map<int, int> parents;
    DIR* dir = ::opendir("/proc");
    if (!dir) return parents;
    while (dirent* entry = ::readdir(dir)) {
        char* end = nullptr;
        long pid = std::strtol(entry->d_name, &end, 10);
        if (*end != '\0' || pid <= 0) continue;
        std::string stat = read_host_file("/proc/" + std::string(entry->d_name) + "/stat");
        auto close = stat.rfind(')');
        if (close == std::string::npos) continue;
        char state = 0;
        int ppid = 0;
        if (std::sscanf(stat.c_str() + close + 1, " %c %d", &state, &ppid) == 2)
            parents[static_cast<int>(pid)] = ppid;
    }
    ::closedir(dir);
    return parents;
}

// Host pids of every descendant of `root`.
inline std::vector<int> host_descendants(int root) {
    auto parents = host_parent_map();
    std::vector<int> tree{root}, out;
    for (bool grew = true; grew;) {
        grew = false;
        for (auto [pid, ppid] : parents) {
            bool in_tree = false, parent_in_tree = false;
            for (int t : tree) {
                in_tree = in_tree || t == pid;
                parent_in_tree = parent_in_tree || t == ppid;
            }
            if (parent_in_tree && !in_tree) {
                tree.push_back(pid);
                out.push_back(pid);
                grew = true;
            }
        }
    }
    return out;
}

// Host pids whose effective uid lies in [first, first + count).
inline std::vector<int> host_pids_with_uid_in(std::uint64_t first, std::uint64_t count) {
    std::vector<int> out;
    for (auto [pid, ppid] : host_parent_map()) {
        (void)ppid;
        if (auto uid = host_euid(pid); uid && *uid >= first && *uid < first + count)
            out.push_back(pid);
    }
    return out;
}

// Poll `condition` until it holds or `limit` passes; answers whether it held.
template <class F> bool eventually(F condition, std::chrono::milliseconds limit) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (!condition()) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
}

// VmRSS of this test process in KiB.
inline long self_rss_kib() {
    auto rss = host_status_field(::getpid(), "VmRSS");
    return rss ? std::atol(rss->c_str()) : -1;
}

} // namespace soulbox::test::security
