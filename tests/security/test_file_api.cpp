// SECURITY-CHECKLIST line 6: the host-side file API must never reach a host file, whatever
// path, symlink, hardlink or race a sandbox prepares. A marker file and an empty directory
// on the HOST are the bait: no call may read the marker, change it, or write into the directory.
#include "security/security_support.hpp"

#include <atomic>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>
#include <unistd.h>

using namespace soulbox;
using namespace soulbox::test;
using namespace soulbox::test::security;
namespace stdfs = std::filesystem;

namespace {

struct HostBait {
    std::string marker = "/tmp/soulbox-host-secret-" + std::to_string(::getpid());
    std::string dir = "/tmp/soulbox-host-dir-" + std::to_string(::getpid());
    std::string secret = "HOST-SECRET-" + std::to_string(::getpid());

    HostBait() {
        std::ofstream(marker) << secret;
        stdfs::create_directories(dir);
    }
    ~HostBait() {
        stdfs::remove(marker);
        stdfs::remove_all(dir);
    }
    // The bait is exactly as it was.
    void check_untouched() const {
        CHECK(read_host_file(marker) == secret);
        CHECK(stdfs::is_empty(dir));
    }
};

FileOptions as(const std::string& user) {
    FileOptions options;
    options.user = user;
    return options;
}

// A read either fails or returns sandbox content: never the host secret.
void check_no_secret(const Result<std::string>& data, const HostBait& bait) {
    if (data) CHECK(data->find(bait.secret) == std::string::npos);
}

template <class T> Errc error_of(const Result<T>& result) {
    return result ? Errc::ok : result.error().code;
}

std::vector<std::string> users() {
    if (::geteuid() == 0) return {"user", "root"};
    return {"user"};
}

} // namespace

TEST_CASE("file api: ../, absolute and parent-directory symlinks stay in the sandbox") {
    HostBait bait;
    Sandbox sbx = make_sandbox();
    auto& files = sbx.files();
    // Symlinks the sandbox prepares: at the host marker, at the host's shadow file, at /, and
    // a relative one climbing far above the root.
    sh(sbx, "cd /home/user && ln -s " + bait.marker +
                " abs && ln -s /etc/shadow shadow && "
                "ln -s / rootlink && ln -s ../../../../../.. up && ln -s " +
                bait.dir +
                " hostdir && "
                "mkdir -p " +
                bait.dir);
    std::string host_shadow = read_host_file("/etc/shadow");

    for (const auto& user : users()) {
        CAPTURE(user);
        auto options = as(user);
        for (std::string path : std::vector<std::string>{
                 "../../../../../.." + bait.marker, bait.marker, "/home/user/abs",
                 "/home/user/up" + bait.marker, "/home/user/rootlink" + bait.marker}) {
            CAPTURE(path);
            auto data = files.read(path, options);
            REQUIRE_FALSE(data); // the sandbox has no such file
            CHECK(data.error().code == Errc::not_found);
        }
        auto shadow = files.read("/home/user/shadow", options);
        CHECK_FALSE(shadow); // the sandbox has no /etc/shadow at all
        if (shadow && !host_shadow.empty()) CHECK(*shadow != host_shadow);
        // A symlinked parent pointing at / resolves to the sandbox's own root.
        CHECK(expect_ok(files.read("/home/user/rootlink/etc/hostname", options), "hostname") ==
              "sandbox\n");
        CHECK(expect_ok(files.read("/home/user/up/etc/hostname", options), "hostname") ==
              "sandbox\n");
        CHECK(error_of(files.get_info("/home/user/up" + bait.marker, options)) == Errc::not_found);
    }

    // Writes through the same links land inside the sandbox. A final symlink is followed
    // inside: "abs" names the marker's path, which inside the sandbox is the sandbox's /tmp.
    expect_ok(files.write("/home/user/abs", "pwned"), "write through absolute link");
    CHECK(sh(sbx, "cat " + bait.marker).stdout_data == "pwned");
    expect_ok(files.write("/home/user/hostdir/planted", "pwned"), "write through dir link");
    expect_ok(files.write("/home/user/up/tmp/planted", "pwned"), "write through .. link");
    expect_ok(files.write("../../../../.." + bait.dir + "/planted2", "pwned"), "write via ..");
    CHECK(sh(sbx, "ls " + bait.dir).stdout_data == "planted\nplanted2\n");
    expect_ok(files.make_dir("/home/user/rootlink/tmp/made"), "make_dir via link");
    expect_ok(files.rename("/home/user/abs", "/home/user/rootlink/tmp/renamed"), "rename link");
    CHECK(expect_ok(files.get_info("/tmp/renamed"), "moved link").type == FileType::symlink);
    expect_ok(files.remove("/home/user/up" + bait.marker), "remove the sandbox's copy");
    bait.check_untouched();
    expect_ok(sbx.kill(), "kill");
}

TEST_CASE("file api: /proc/self/root and /proc/1/root magic links are refused") {
    HostBait bait;
    Sandbox sbx = make_sandbox();
    auto& files = sbx.files();
    sh(sbx, "cd /home/user && ln -s /proc/self/root selfroot && ln -s /proc/1/root oneroot && "
            "ln -s /proc/1/root" +
                bait.marker + " final");
    for (const auto& user : users()) {
        CAPTURE(user);
        auto options = as(user);
        for (std::string base : std::vector<std::string>{
                 "/proc/self/root", "/proc/1/root", "/proc/thread-self/root", "/home/user/selfroot",
                 "/home/user/oneroot", "/proc/self/cwd", "/proc/1/cwd"}) {
            CAPTURE(base);
            auto data = files.read(base + bait.marker, options);
            CHECK_FALSE(data);
            check_no_secret(data, bait);
            CHECK_FALSE(files.read(base + "/etc/hostname", options));
            CHECK_FALSE(files.write(base + "/tmp/planted", "pwned", options));
            CHECK_FALSE(files.write(base + bait.dir + "/planted", "pwned", options));
            CHECK_FALSE(files.list(base, 1, options));
            CHECK_FALSE(files.make_dir(base + "/tmp/made", options));
            CHECK_FALSE(files.remove(base + bait.marker, options));
            CHECK_FALSE(files.watch_dir(base, false, {}, options));
            CHECK_FALSE(files.rename(base + "/etc/hostname", "/tmp/h", options));
        }
        // The agent's own descriptors are magic links too.
        for (int fd = 0; fd < 16; ++fd)
            check_no_secret(files.read("/proc/1/fd/" + std::to_string(fd), options), bait);
        // A final symlink into a magic link: the write fails, nothing is followed out.
        CHECK_FALSE(files.write("/home/user/final", "pwned", options));
        check_no_secret(files.read("/home/user/final", options), bait);
    }
    bait.check_untouched();
    expect_ok(sbx.kill(), "kill");
}

TEST_CASE("file api: a hardlink to a host file cannot be made, so none can be read") {
    HostBait bait;
    Sandbox sbx = make_sandbox();
    // The host marker is not in the sandbox's mount namespace; the host files that are
    // (/usr, /etc/ssl/certs: read-only overlays) are other mounts, and link() never crosses
    // mounts (EXDEV). Sandbox code tries every variant.
    auto out = probe(sbx, "show('marker', attempt(lambda: os.link('" + bait.marker +
                              "', '/home/user/hl1')))\n"
                              "show('usr', attempt(lambda: os.link('/usr/bin/env', "
                              "'/home/user/hl2')))\n"
                              "show('certs', attempt(lambda: os.link('/etc/ssl/certs/"
                              "ca-certificates.crt', '/home/user/hl3')))\n"
                              "show('proc', attempt(lambda: os.link('/proc/1/root" +
                              bait.marker + "', '/home/user/hl4')))\n");
    CHECK(out["marker"] == "ENOENT");
    CHECK(out["usr"] == "EXDEV");
    CHECK(out["certs"] == "EXDEV");
    CHECK(one_of(out["proc"], {"ENOENT", "EACCES", "EPERM", "EXDEV"}));
    for (int i = 1; i <= 4; ++i)
        CHECK(error_of(sbx.files().get_info("/home/user/hl" + std::to_string(i))) ==
              Errc::not_found);
    bait.check_untouched();
    expect_ok(sbx.kill(), "kill");
}

TEST_CASE("file api: a file swapped for a symlink between calls never leads out (TOCTOU)") {
    HostBait bait;
    Sandbox sbx = make_sandbox();
    auto& files = sbx.files();
    // Inside: "swap" flips between a real directory and symlinks to a magic link, to the
    // host bait's paths and to /, as fast as python can rename.
    std::string swapper = R"PY(
import os
os.chdir('/home/user')
os.makedirs('real', exist_ok=True)
open('real/f', 'w').write('inside')
os.makedirs(')PY" + bait.dir +
                          R"PY(', exist_ok=True)
targets = ['/proc/1/root)PY" +
                          bait.dir + R"PY(', ')PY" + bait.dir +
                          R"PY(', '/', '/proc/self/root/tmp', ')PY" + bait.marker + R"PY(']
print('ready', flush=True)
i = 0
while True:
    t = targets[i % len(targets)]
    i += 1
    try:
        os.rename('real', 'swap')
        os.rename('swap', 'real')
        os.symlink(t, 'swap.l')
        os.rename('swap.l', 'swap')
        os.unlink('swap')
    except OSError:
        # The host's own calls may have made a file or directory named swap: clear it.
        for name in ('swap', 'swap.l'):
            if os.path.islink(name) or os.path.isfile(name):
                os.unlink(name)
            elif os.path.isdir(name) and os.path.isdir('real'):
                os.rename(name, 'junk%d' % i)  # may hold root's files: just move it away
            elif os.path.isdir(name):
                os.rename(name, 'real')
)PY";
    RunOptions background;
    background.timeout = std::chrono::seconds(60);
    // The host's calls start once the swapper is looping.
    std::promise<void> ready;
    std::atomic<bool> said_ready{false};
    background.on_stdout = [&](std::string_view) {
        if (!said_ready.exchange(true)) ready.set_value();
    };
    auto handle =
        expect_ok(sbx.commands().start(std::vector<std::string>{"/usr/bin/python3", "-c", swapper},
                                       background),
                  "start swapper");
    REQUIRE(ready.get_future().wait_for(std::chrono::seconds(20)) == std::future_status::ready);

    std::atomic<int> inside_reads{0};
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
    std::vector<std::thread> threads;
    for (const auto& user : users())
        threads.emplace_back([&, user] {
            auto options = as(user);
            while (std::chrono::steady_clock::now() < deadline) {
                auto data = files.read("/home/user/swap/f", options);
                check_no_secret(data, bait);
                if (data && *data == "inside") ++inside_reads;
                check_no_secret(files.read("/home/user/swap", options), bait);
                (void)files.write("/home/user/swap/planted", "pwned", options);
                (void)files.write("/home/user/swap", "pwned", options);
                (void)files.get_info("/home/user/swap/f", options);
                (void)files.list("/home/user/swap", 2, options);
                (void)files.make_dir("/home/user/swap/made", options);
            }
        });
    for (auto& t : threads)
        t.join();
    // Still running: the race went on for the whole loop.
    CHECK(handle.kill());
    auto swapped = handle.wait();
    REQUIRE(swapped);
    INFO("swapper stderr: " << swapped->stderr_data);
    CHECK(swapped->signal == 9);
    INFO("reads that saw the real directory: " << inside_reads);
    bait.check_untouched();
    expect_ok(sbx.kill(), "kill");
}
