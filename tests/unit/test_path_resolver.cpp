// The agent's path resolver (src/agent/path_resolver.hpp), run on the host against a temporary
// tree: both the openat2 mode and the component walk used when openat2 is missing must keep
// every "..", symlink and magic link inside the root.
#include "agent/path_resolver.hpp"

#include <climits>
#include <doctest/doctest.h>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

using namespace soulbox;
using namespace soulbox::agent;
namespace stdfs = std::filesystem;

namespace {

// <tmp>/outside        a file the resolver must never reach
// <tmp>/root/          the root
//   etc/secret         "inside"
//   a/b/file           "ab"
//   abs -> /etc/secret, rel -> a/b/file, up -> ../../../../etc/secret,
//   escape -> ../outside, host_abs -> <tmp>/outside, dir -> /a, self -> /,
//   loop1 <-> loop2, chain0 -> chain1 -> ... -> chain41 (file)
struct Tree {
    stdfs::path base, root;
    UniqueFd root_fd;

    Tree() {
        char tmpl[] = "/tmp/soulbox-resolver-XXXXXX";
        REQUIRE(::mkdtemp(tmpl) != nullptr);
        base = tmpl;
        root = base / "root";
        stdfs::create_directories(root / "etc");
        stdfs::create_directories(root / "a/b");
        write(base / "outside", "outside");
        write(root / "etc/secret", "inside");
        write(root / "a/b/file", "ab");
        stdfs::create_symlink("/etc/secret", root / "abs");
        stdfs::create_symlink("a/b/file", root / "rel");
        stdfs::create_symlink("../../../../etc/secret", root / "up");
        stdfs::create_symlink("../outside", root / "escape");
        stdfs::create_symlink((base / "outside").string(), root / "host_abs");
        stdfs::create_symlink("/a", root / "dir");
        stdfs::create_symlink("/", root / "self");
        stdfs::create_symlink("loop2", root / "loop1");
        stdfs::create_symlink("loop1", root / "loop2");
        for (int i = 0; i < 41; ++i)
            stdfs::create_symlink("chain" + std::to_string(i + 1),
                                  root / ("chain" + std::to_string(i)));
        write(root / "chain41", "end");
        root_fd.reset(::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
        REQUIRE(root_fd);
    }
    ~Tree() { stdfs::remove_all(base); }

    static void write(const stdfs::path& path, const std::string& text) {
        std::ofstream(path) << text;
    }
};

std::string read_fd(const UniqueFd& fd) {
    char buf[256];
    ssize_t n = ::pread(fd.get(), buf, sizeof buf, 0);
    return n < 0 ? std::string("<error>") : std::string(buf, static_cast<std::size_t>(n));
}

// Content of `path` opened in the root, or the errno it failed with.
std::string content(const Tree& tree, const std::string& path, bool openat2) {
    auto fd = open_in_root(tree.root_fd.get(), path, O_RDONLY, {.use_openat2 = openat2});
    if (!fd) return "errno " + std::to_string(fd.error().sys_errno);
    return read_fd(*fd);
}

std::string errno_text(int err) {
    return "errno " + std::to_string(err);
}

} // namespace

TEST_CASE("path resolver: normalize_path validates and folds paths") {
    CHECK(normalize_path("/a/b", "/home/user") == "/a/b");
    CHECK(normalize_path("x/y", "/home/user") == "/home/user/x/y");
    CHECK(normalize_path("/a/./b//c/", "/") == "/a/b/c");
    CHECK(normalize_path("/../../etc/../etc/passwd", "/") == "/etc/passwd");
    CHECK(normalize_path("../../..", "/home/user") == "/");
    CHECK(normalize_path("/", "/home/user") == "/");
    CHECK(normalize_path(".", "/root") == "/root");
    auto empty = normalize_path("", "/");
    REQUIRE_FALSE(empty);
    CHECK(empty.error().code == Errc::invalid_argument);
    CHECK(empty.error().message == "empty path");
    CHECK(normalize_path(std::string("a\0b", 3), "/").error().code == Errc::invalid_argument);
    auto long_path = normalize_path("/" + std::string(PATH_MAX, 'a'), "/");
    REQUIRE_FALSE(long_path);
    CHECK(long_path.error().message.find("path too long") != std::string::npos);
    CHECK(split_path("/a/b") == std::vector<std::string>{"a", "b"});
    CHECK(split_path("/").empty());
    CHECK(join_path({"a", "b", "c"}, 2) == "/a/b");
    CHECK(join_path({"a"}, 0) == "/");
}

TEST_CASE("path resolver: symlinks and .. stay inside the root, with and without openat2") {
    Tree tree;
    for (bool openat2 : {true, false}) {
        CAPTURE(openat2);
        CHECK(content(tree, "/etc/secret", openat2) == "inside");
        CHECK(content(tree, "etc/secret", openat2) == "inside");
        CHECK(content(tree, "/abs", openat2) == "inside"); // absolute: from the root
        CHECK(content(tree, "/rel", openat2) == "ab");
        CHECK(content(tree, "/up", openat2) == "inside"); // ".." stops at the root
        CHECK(content(tree, "/a/../../../etc/secret", openat2) == "inside");
        CHECK(content(tree, "/dir/b/file", openat2) == "ab"); // symlinked parent directory
        CHECK(content(tree, "/self/self/etc/secret", openat2) == "inside");
        CHECK(content(tree, "/dir/../etc/secret", openat2) == "inside");
        // Links aimed at the host land inside the root, where nothing is.
        CHECK(content(tree, "/escape", openat2) == errno_text(ENOENT));
        CHECK(content(tree, "/host_abs", openat2) == errno_text(ENOENT));
        CHECK(content(tree, "/loop1", openat2) == errno_text(ELOOP));
        CHECK(content(tree, "/chain0", openat2) == errno_text(ELOOP)); // 41 links: too many
        CHECK(content(tree, "/chain1", openat2) == "end");             // 40 links: fine
        CHECK(content(tree, "/missing", openat2) == errno_text(ENOENT));
        CHECK(content(tree, "/etc/secret/x", openat2) == errno_text(ENOTDIR));

        // The root itself, as a directory.
        auto top =
            open_in_root(tree.root_fd.get(), "/", O_RDONLY | O_DIRECTORY, {.use_openat2 = openat2});
        REQUIRE(top);
        struct stat a {
        }, b{};
        ::fstat(top->get(), &a);
        ::fstat(tree.root_fd.get(), &b);
        CHECK(a.st_ino == b.st_ino);
        auto up = open_in_root(tree.root_fd.get(), "/a/b/../../..", O_RDONLY | O_DIRECTORY,
                               {.use_openat2 = openat2});
        REQUIRE(up);
        ::fstat(up->get(), &a);
        CHECK(a.st_ino == b.st_ino);

        // follow_final = false: the link itself (O_PATH) or ELOOP (anything else).
        auto link = open_in_root(tree.root_fd.get(), "/abs", O_PATH,
                                 {.use_openat2 = openat2, .follow_final = false});
        REQUIRE(link);
        struct stat st {};
        ::fstat(link->get(), &st);
        CHECK(S_ISLNK(st.st_mode));
        auto refused = open_in_root(tree.root_fd.get(), "/abs", O_RDONLY,
                                    {.use_openat2 = openat2, .follow_final = false});
        REQUIRE_FALSE(refused);
        CHECK(refused.error().sys_errno == ELOOP);
        // Intermediate symlinks are still followed.
        auto through = open_in_root(tree.root_fd.get(), "/dir/b/file", O_RDONLY,
                                    {.use_openat2 = openat2, .follow_final = false});
        REQUIRE(through);
        CHECK(read_fd(*through) == "ab");
        CHECK(open_in_root(tree.root_fd.get(), "/x", O_RDONLY | O_CREAT).error().code ==
              Errc::internal);
    }
}

TEST_CASE("path resolver: /proc magic links are refused in both modes") {
    UniqueFd host_root(::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
    UniqueFd marker(::open("/proc/self/status", O_RDONLY | O_CLOEXEC));
    REQUIRE(marker);
    for (bool openat2 : {true, false}) {
        CAPTURE(openat2);
        auto open = [&](const std::string& path) {
            return open_in_root(host_root.get(), path, O_RDONLY, {.use_openat2 = openat2});
        };
        // /proc/self is a plain symlink: fine.
        CHECK(open("/proc/self/status"));
        for (std::string magic : std::vector<std::string>{
                 "/proc/self/root/etc/hostname", "/proc/1/root/etc/hostname", "/proc/self/cwd",
                 "/proc/self/exe", "/proc/self/fd/" + std::to_string(marker.get()),
                 "/proc/thread-self/root/etc/hostname"}) {
            CAPTURE(magic);
            auto fd = open(magic);
            REQUIRE_FALSE(fd);
            // ELOOP (RESOLVE_NO_MAGICLINKS); another process's links may fail the ptrace
            // access check (EACCES) first.
            int err = fd.error().sys_errno;
            CHECK((err == ELOOP || (err == EACCES && magic.starts_with("/proc/1/"))));
        }
    }
}
