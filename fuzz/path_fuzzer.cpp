// Fuzz path checking and resolution (src/agent/path_resolver.cpp): every file operation in a
// sandbox goes through it with a caller-chosen path. Checks, beyond "no crash":
//  - normalize_path gives an absolute, lexically normal path and is idempotent;
//  - split_path/join_path round-trip;
//  - open_in_root, in both modes (openat2 and the component walk), never opens anything
//    outside the root of a tree full of hostile symlinks, and both modes agree on success.
#include "agent/path_resolver.hpp"

#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <string_view>
#include <sys/stat.h>
#include <unistd.h>

using namespace soulbox;

namespace {

[[noreturn]] void invariant_broken(const char* what) {
    (void)what;
    __builtin_trap();
}

struct Tree {
    std::string base; // holds root/ and outside/
    std::string root; // what open_in_root must stay in
    int root_fd = -1;
};

// root/{dir/sub, file, abs -> /etc, up -> ../.., dotdot -> dir/../../outside, loop -> loop,
//       dir/back -> ../.., proc -> /proc/self/root}; outside/secret next to root.
Tree make_tree() {
    char tmpl[] = "/tmp/soulbox-path-fuzz-XXXXXX";
    if (!::mkdtemp(tmpl)) abort();
    Tree t{tmpl, std::string(tmpl) + "/root", -1};
    auto ok = [](int rc) {
        if (rc != 0) abort();
    };
    ok(::mkdir(t.root.c_str(), 0755));
    ok(::mkdir((t.base + "/outside").c_str(), 0755));
    ok(::close(::open((t.base + "/outside/secret").c_str(), O_CREAT | O_WRONLY, 0600)));
    ok(::mkdir((t.root + "/dir").c_str(), 0755));
    ok(::mkdir((t.root + "/dir/sub").c_str(), 0755));
    ok(::close(::open((t.root + "/file").c_str(), O_CREAT | O_WRONLY, 0644)));
    const char* links[][2] = {{"/etc", "abs"},
                              {"../..", "up"},
                              {"dir/../../outside", "dotdot"},
                              {"loop", "loop"},
                              {"../..", "dir/back"},
                              {"/proc/self/root", "proc"},
                              {"../outside/secret", "secret"}};
    for (auto& l : links)
        ok(::symlink(l[0], (t.root + "/" + l[1]).c_str()));
    t.root_fd = ::open(t.root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (t.root_fd < 0) abort();
    return t;
}

const Tree& tree() {
    static const Tree t = make_tree();
    static const bool cleanup = [] {
        std::atexit([] { (void)std::system(("rm -rf '" + tree().base + "'").c_str()); });
        return true;
    }();
    (void)cleanup;
    return t;
}

// Where an opened descriptor really is.
std::string where(int fd) {
    char buf[4096];
    std::string link = "/proc/self/fd/" + std::to_string(fd);
    ssize_t n = ::readlink(link.c_str(), buf, sizeof buf);
    return n < 0 ? std::string() : std::string(buf, static_cast<std::size_t>(n));
}

void check_normalize(std::string_view path, std::string_view home) {
    bool valid = agent::validate_path(path).has_value();
    auto norm = agent::normalize_path(path, home);
    if (!valid && norm) invariant_broken("normalize accepted an invalid path");
    if (!norm) return;
    const std::string& n = *norm;
    if (n.empty() || n[0] != '/') invariant_broken("not absolute");
    if (n != "/" && n.back() == '/') invariant_broken("trailing slash");
    if (n.find("//") != std::string::npos) invariant_broken("double slash");
    auto parts = agent::split_path(n);
    for (auto& p : parts)
        if (p.empty() || p == "." || p == "..") invariant_broken("dot component left");
    if (agent::join_path(parts, parts.size()) != n) invariant_broken("split/join round trip");
    if (n.size() >= PATH_MAX) return; // home made it longer than any call may take
    auto again = agent::normalize_path(n, "/elsewhere");
    if (!again || *again != n) invariant_broken("not idempotent");
}

void check_resolve(std::string_view path, bool follow_final) {
    const Tree& t = tree();
    agent::ResolveOptions with2{true, follow_final}, walk{false, follow_final};
    auto a = agent::open_in_root(t.root_fd, path, O_PATH, with2);
    auto b = agent::open_in_root(t.root_fd, path, O_PATH, walk);
    for (auto* r : {&a, &b}) {
        if (!*r) continue;
        std::string at = where((*r)->get());
        if (at != t.root && at.rfind(t.root + "/", 0) != 0) invariant_broken("escaped the root");
    }
    // ENOSYS: a kernel without openat2 gives no reference to compare with.
    if (!a && a.error().sys_errno == ENOSYS) return;
    // A trailing slash makes openat2 follow a final symlink (POSIX), while the walk drops it;
    // the agent only resolves normalized paths, which never end in "/", so compare those.
    if (path.size() > 1 && path.back() == '/') return;
    if (a.has_value() != b.has_value()) invariant_broken("openat2 and the walk disagree");
    if (a && where(a->get()) != where(b->get())) invariant_broken("opened different files");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    // First byte: flags; then "home\0path" (home optional).
    std::uint8_t flags = data[0];
    std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
    std::string_view home = "/home/user", path = rest;
    if (flags & 1) {
        auto nul = rest.find('\0');
        if (nul != std::string_view::npos) {
            home = rest.substr(0, nul);
            path = rest.substr(nul + 1);
        }
    }
    (void)agent::validate_path(path);
    check_normalize(path, home);
    // The agent resolves normalized paths; the resolver must also hold on raw ones.
    if (!agent::validate_path(path)) return 0;
    check_resolve(path, flags & 2);
    if (auto norm = agent::normalize_path(path, "/dir"); norm && norm->size() < PATH_MAX)
        check_resolve(*norm, flags & 2);
    return 0;
}
