// Cgroup manager tests against the real kernel. They need root (they create cgroups and move
// processes); as another user they only report that they were skipped.
#include "cgroup/cgroup.hpp"
#include "cgroup/cgroup_files.hpp"
#include "support/skip.hpp"

#include <doctest/doctest.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <fstream>
#include <grp.h>
#include <linux/sched.h>
#include <optional>
#include <poll.h>
#include <sstream>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace soulbox;
using namespace soulbox::cgroup;

namespace {

bool is_root() {
    return ::geteuid() == 0;
}

#define REQUIRE_ROOT()                                                                             \
    do {                                                                                           \
        if (!is_root()) SOULBOX_SKIP("needs root");                                                \
    } while (0)

std::string unique_id() {
    static int counter = 0;
    return "test-" + std::to_string(::getpid()) + "-" + std::to_string(++counter);
}

std::string slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str();
    while (!text.empty() && text.back() == '\n')
        text.pop_back();
    return text;
}

bool exists(const std::string& path) {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0;
}

// The host's mount point for a cgroup v1 controller ("" if none), or of cgroup2 when
// controller is empty. Independent of the code under test, kept deliberately simple.
std::string host_mount(std::string_view controller) {
    std::ifstream in("/proc/self/mountinfo");
    for (std::string line; std::getline(in, line);) {
        std::istringstream fields(line);
        std::vector<std::string> f;
        for (std::string w; fields >> w;)
            f.push_back(w);
        auto dash = std::find(f.begin(), f.end(), "-");
        if (dash == f.end() || f.end() - dash < 4) continue;
        const std::string& type = dash[1];
        const std::string options = "," + dash[3] + ",";
        if (controller.empty() && type == "cgroup2") return f[4];
        if (!controller.empty() && type == "cgroup" &&
            options.find("," + std::string(controller) + ",") != std::string::npos)
            return f[4];
    }
    return "";
}

// Every directory a group with this id could have, for "nothing left behind" checks.
std::vector<std::string> possible_dirs(const Manager& manager, const std::string& id) {
    if (manager.availability().version == Version::v2)
        return {manager.availability().base_path + "/" + id};
    std::vector<std::string> dirs;
    for (auto controller : {"memory", "pids", "cpu", "freezer"})
        if (auto mount = host_mount(controller); !mount.empty())
            dirs.push_back(mount + "/soulbox/" + id);
    return dirs;
}

// Where a controller's files for a group live: v2 has one directory, v1 one per hierarchy.
std::string control_dir(const Group& group, std::string_view controller, const std::string& id) {
    if (group.version() == Version::v2) return group.path();
    return host_mount(controller) + "/soulbox/" + id;
}

// Kills and removes a test's group even when a check fails midway. It signals the listed
// processes itself first, so a broken kill_all() cannot leak test processes.
struct GroupCleanup {
    Group* group;
    ~GroupCleanup() {
        if (group == nullptr) return;
        std::istringstream procs(slurp(group->path() + "/cgroup.procs"));
        for (pid_t pid; procs >> pid;)
            ::kill(pid, SIGKILL);
        (void)group->kill_all();
        (void)group->destroy();
    }
};

// A forked child that runs `body` only after the parent says go (after placing it in a group);
// its exit code is body's result. If the parent never says go, it exits with 99.
class Child {
public:
    template <class Body> explicit Child(Body body) {
        int fds[2];
        REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
        pid_ = ::fork();
        REQUIRE(pid_ >= 0);
        if (pid_ == 0) {
            ::close(fds[1]);
            char c;
            _exit(::read(fds[0], &c, 1) == 1 ? body() : 99);
        }
        ::close(fds[0]);
        go_ = fds[1];
    }
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;
    ~Child() {
        if (go_ >= 0) ::close(go_);
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
    }

    pid_t pid() const { return pid_; }
    void go() {
        REQUIRE(::write(go_, "g", 1) == 1);
        ::close(go_);
        go_ = -1;
    }
    // Waits at most `bound` (via a pidfd), so a broken kill fails the test instead of hanging it.
    int wait(std::chrono::milliseconds bound = std::chrono::seconds(30)) {
        const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));
        REQUIRE(pidfd >= 0);
        pollfd pfd{pidfd, POLLIN, 0};
        const int ready = ::poll(&pfd, 1, static_cast<int>(bound.count()));
        ::close(pidfd);
        REQUIRE_MESSAGE(ready == 1, "child " << pid_ << " did not exit in time");
        int status = 0;
        REQUIRE(::waitpid(pid_, &status, 0) == pid_);
        pid_ = -1;
        return status;
    }

private:
    pid_t pid_ = -1;
    int go_ = -1;
};

bool killed_by_sigkill(int status) {
    return WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
}

std::unique_ptr<Manager> auto_manager() {
    return detect_manager();
}

} // namespace

TEST_CASE("cgroup: detection picks the backend that holds the controllers") {
    auto manager = auto_manager();
    const Availability& a = manager->availability();
    INFO("base=" << a.base_path << " reason=" << a.reason);
    const std::string v1_memory = host_mount("memory");
    if (!v1_memory.empty()) {
        // Hybrid host: controllers are on v1, the unified mount has none of them.
        CHECK(a.version == Version::v1);
        CHECK(a.base_path == v1_memory + "/soulbox");
    } else {
        CHECK(a.version == Version::v2);
    }
    if (is_root()) {
        CHECK(a.usable);
        CHECK(a.memory);
        CHECK(a.pids);
        CHECK(a.cpu);
        CHECK(a.reason.empty());
    }
}

TEST_CASE("cgroup: sandbox ids are validated") {
    CHECK(validate_id("abc-123"));
    CHECK(validate_id(std::string(64, 'a')));
    auto manager = auto_manager();
    for (std::string bad :
         {std::string(""), std::string("A"), std::string("a_b"), std::string("../etc"),
          std::string("a/b"), std::string("."), std::string(".."), std::string("a b"),
          std::string(65, 'a'), std::string("x\n")}) {
        INFO("id=\"" << bad << "\"");
        auto created = manager->create(bad, {});
        REQUIRE_FALSE(created);
        CHECK(created.error().code == Errc::invalid_argument);
        auto opened = manager->open(bad);
        REQUIRE_FALSE(opened);
        CHECK(opened.error().code == Errc::invalid_argument);
    }
}

TEST_CASE("cgroup: cpu quota is cores times the period, at least 1 ms") {
    CHECK(cpu_quota_us(0.5) == 50000);
    CHECK(cpu_quota_us(2) == 200000);
    CHECK(cpu_quota_us(0.001) == 1000);
}

TEST_CASE("cgroup: create writes the limits to the control files") {
    REQUIRE_ROOT();
    auto manager = auto_manager();
    const std::string id = unique_id();
    auto group = manager->create(id, {.memory_bytes = 64 << 20, .pids = 7, .cpus = 0.5});
    REQUIRE_MESSAGE(group, (group ? "" : group.error().describe()));
    GroupCleanup cleanup{group->get()};
    const Group& g = **group;

    const std::string mem = control_dir(g, "memory", id);
    const std::string pids = control_dir(g, "pids", id);
    const std::string cpu = control_dir(g, "cpu", id);
    if (g.version() == Version::v1) {
        CHECK(g.clone_fd() == -1);
        CHECK(slurp(mem + "/memory.limit_in_bytes") == std::to_string(64 << 20));
        if (exists(mem + "/memory.memsw.limit_in_bytes"))
            CHECK(slurp(mem + "/memory.memsw.limit_in_bytes") == std::to_string(64 << 20));
        CHECK(slurp(cpu + "/cpu.cfs_period_us") == "100000");
        CHECK(slurp(cpu + "/cpu.cfs_quota_us") == "50000");
        CHECK(exists(control_dir(g, "freezer", id)));
    } else {
        CHECK(g.clone_fd() >= 0);
        CHECK(slurp(mem + "/memory.max") == std::to_string(64 << 20));
        if (exists(mem + "/memory.swap.max")) CHECK(slurp(mem + "/memory.swap.max") == "0");
        CHECK(slurp(cpu + "/cpu.max") == "50000 100000");
    }
    CHECK(slurp(pids + "/pids.max") == "7");

    auto listed = manager->list();
    CHECK(std::find(listed.begin(), listed.end(), id) != listed.end());
}

TEST_CASE("cgroup: add_process moves a child into the group") {
    REQUIRE_ROOT();
    auto manager = auto_manager();
    const std::string id = unique_id();
    auto group = manager->create(id, {});
    REQUIRE_MESSAGE(group, (group ? "" : group.error().describe()));
    GroupCleanup cleanup{group->get()};

    Child child([] { return 0; });
    REQUIRE((*group)->add_process(child.pid()));
    const std::string pid = std::to_string(child.pid());
    for (const auto& dir : possible_dirs(*manager, id)) {
        INFO("dir=" << dir);
        CHECK(slurp(dir + "/cgroup.procs") == pid);
    }
    child.go();
    CHECK(child.wait() == 0);
}

TEST_CASE("cgroup: a child over the memory limit is OOM-killed and counted") {
    REQUIRE_ROOT();
    auto manager = auto_manager();
    const std::string id = unique_id();
    auto group = manager->create(id, {.memory_bytes = 64 << 20});
    REQUIRE_MESSAGE(group, (group ? "" : group.error().describe()));
    GroupCleanup cleanup{group->get()};
    auto before = (*group)->oom_kill_count();
    REQUIRE_MESSAGE(before, (before ? "" : before.error().describe()));

    Child child([] {
        const std::size_t size = std::size_t{256} << 20;
        void* mem =
            ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (mem == MAP_FAILED) return 2;
        auto* bytes = static_cast<volatile char*>(mem);
        for (std::size_t i = 0; i < size; i += 4096)
            bytes[i] = 1;
        return 0; // reaching here means the limit did not hold
    });
    REQUIRE((*group)->add_process(child.pid()));
    child.go();
    const int status = child.wait();
    CHECK(killed_by_sigkill(status));

    auto after = (*group)->oom_kill_count();
    REQUIRE(after);
    CHECK(*after >= *before + 1);
    CHECK((*group)->memory_current());
}

TEST_CASE("cgroup: a pids limit makes forks beyond it fail with EAGAIN") {
    REQUIRE_ROOT();
    auto manager = auto_manager();
    const std::string id = unique_id();
    auto group = manager->create(id, {.pids = 5});
    REQUIRE_MESSAGE(group, (group ? "" : group.error().describe()));
    GroupCleanup cleanup{group->get()};

    // The child plus four forks fill the limit of 5; the next fork (6th task) must fail.
    // Exit code: number of successful forks when the failure was EAGAIN, else 100 + errno.
    Child child([] {
        std::vector<pid_t> kids;
        int error = 0;
        for (int i = 0; i < 10 && error == 0; ++i) {
            const pid_t kid = ::fork();
            if (kid == 0) {
                ::pause();
                _exit(0);
            }
            if (kid < 0)
                error = errno;
            else
                kids.push_back(kid);
        }
        for (pid_t kid : kids) {
            ::kill(kid, SIGKILL);
            ::waitpid(kid, nullptr, 0);
        }
        return error == EAGAIN ? static_cast<int>(kids.size()) : 100 + error;
    });
    REQUIRE((*group)->add_process(child.pid()));
    child.go();
    const int status = child.wait();
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 4);
}

TEST_CASE("cgroup: kill_all kills every process in the group") {
    REQUIRE_ROOT();
    auto manager = auto_manager();
    const std::string id = unique_id();
    auto group = manager->create(id, {});
    REQUIRE_MESSAGE(group, (group ? "" : group.error().describe()));
    GroupCleanup cleanup{group->get()};

    int ready[2];
    REQUIRE(::pipe2(ready, O_CLOEXEC) == 0);
    // The child forks a grandchild (which the test cannot waitpid) and both sleep.
    Child child([&ready] {
        if (::fork() == 0) {
            ::pause();
            _exit(0);
        }
        (void)!::write(ready[1], "r", 1);
        ::pause();
        return 0;
    });
    ::close(ready[1]);
    REQUIRE((*group)->add_process(child.pid()));
    child.go();
    char c;
    REQUIRE(::read(ready[0], &c, 1) == 1);
    ::close(ready[0]);
    CHECK(slurp((*group)->path() + "/cgroup.procs").find('\n') != std::string::npos); // two pids

    auto killed = (*group)->kill_all();
    REQUIRE_MESSAGE(killed, (killed ? "" : killed.error().describe()));
    CHECK(killed_by_sigkill(child.wait(std::chrono::seconds(5))));
    // kill_all returns once the group is empty, the grandchild included.
    CHECK(slurp((*group)->path() + "/cgroup.procs").empty());
}

TEST_CASE("cgroup: destroy removes the directories and is idempotent") {
    REQUIRE_ROOT();
    auto manager = auto_manager();
    const std::string id = unique_id();
    auto group = manager->create(id, {.memory_bytes = 64 << 20, .pids = 10, .cpus = 1});
    REQUIRE_MESSAGE(group, (group ? "" : group.error().describe()));
    GroupCleanup cleanup{group->get()}; // only acts if a check below fails
    const auto dirs = possible_dirs(*manager, id);
    for (const auto& dir : dirs)
        CHECK(exists(dir));

    // A process that lived in the group and was killed must not block removal.
    Child child([] {
        ::pause();
        return 0;
    });
    REQUIRE((*group)->add_process(child.pid()));
    REQUIRE((*group)->kill_all());
    CHECK(killed_by_sigkill(child.wait(std::chrono::seconds(5))));

    auto destroyed = (*group)->destroy();
    REQUIRE_MESSAGE(destroyed, (destroyed ? "" : destroyed.error().describe()));
    for (const auto& dir : dirs)
        CHECK_FALSE(exists(dir));
    CHECK((*group)->destroy());
    CHECK((*group)->kill_all());

    auto listed = manager->list();
    CHECK(std::find(listed.begin(), listed.end(), id) == listed.end());
    auto reopened = manager->open(id);
    REQUIRE_FALSE(reopened);
    CHECK(reopened.error().code == Errc::not_found);
}

TEST_CASE("cgroup: destroy with a live process fails after a bounded wait") {
    REQUIRE_ROOT();
    auto manager = auto_manager();
    const std::string id = unique_id();
    auto group = manager->create(id, {});
    REQUIRE_MESSAGE(group, (group ? "" : group.error().describe()));
    GroupCleanup cleanup{group->get()};
    Child child([] {
        ::pause();
        return 0;
    });
    REQUIRE((*group)->add_process(child.pid()));

    const auto start = std::chrono::steady_clock::now();
    auto destroyed = (*group)->destroy();
    const auto waited = std::chrono::steady_clock::now() - start;
    REQUIRE_FALSE(destroyed);
    CHECK(destroyed.error().code == Errc::timeout);
    CHECK(waited >= std::chrono::milliseconds(1500));
    CHECK(waited < std::chrono::seconds(5));
    CHECK(exists((*group)->path()));
}

TEST_CASE("cgroup: a failed create leaves nothing behind") {
    REQUIRE_ROOT();
    auto manager = auto_manager();

    SUBCASE("bad cpu values are rejected before anything is made") {
        for (double cpus : {-1.0, std::nan(""), double(INFINITY)}) {
            const std::string id = unique_id();
            auto group = manager->create(id, {.cpus = cpus});
            REQUIRE_FALSE(group);
            CHECK(group.error().code == Errc::invalid_argument);
            for (const auto& dir : possible_dirs(*manager, id))
                CHECK_FALSE(exists(dir));
        }
    }
    SUBCASE("a limit the kernel rejects after the directories exist") {
        // pids.max accepts at most PID_MAX_LIMIT (2^22), so this write fails after mkdir.
        const std::string id = unique_id();
        auto group = manager->create(id, {.memory_bytes = 64 << 20, .pids = 1ULL << 40});
        REQUIRE_FALSE(group);
        CHECK(group.error().message.find("pids limit") != std::string::npos);
        for (const auto& dir : possible_dirs(*manager, id))
            CHECK_FALSE(exists(dir));
    }
    SUBCASE("an existing group is neither reused nor removed") {
        const std::string id = unique_id();
        auto first = manager->create(id, {});
        REQUIRE(first);
        GroupCleanup cleanup{first->get()};
        auto second = manager->create(id, {});
        REQUIRE_FALSE(second);
        CHECK(second.error().code == Errc::already_exists);
        for (const auto& dir : possible_dirs(*manager, id))
            CHECK(exists(dir));
    }
}

TEST_CASE("cgroup: open reaches a group made by another manager") {
    REQUIRE_ROOT();
    const std::string id = unique_id();
    auto group = auto_manager()->create(id, {.pids = 10});
    REQUIRE(group);
    GroupCleanup cleanup{group->get()};

    auto opened = auto_manager()->open(id);
    REQUIRE_MESSAGE(opened, (opened ? "" : opened.error().describe()));
    CHECK((*opened)->path() == (*group)->path());
    Child child([] { return 0; });
    REQUIRE((*opened)->add_process(child.pid()));
    CHECK(slurp((*group)->path() + "/cgroup.procs") == std::to_string(child.pid()));
    child.go();
    CHECK(child.wait() == 0);

    auto missing = auto_manager()->open(unique_id());
    REQUIRE_FALSE(missing);
    CHECK(missing.error().code == Errc::not_found);
}

TEST_CASE("cgroup: forcing v2 uses the cgroup2 mount") {
    REQUIRE_ROOT();
    const std::string v2_mount = host_mount("");
    if (v2_mount.empty()) SOULBOX_SKIP("no cgroup2 mount");
    auto manager = detect_manager("v2");
    const Availability& a = manager->availability();
    INFO("reason=" << a.reason);
    CHECK(a.version == Version::v2);
    CHECK(a.usable);
    CHECK(a.base_path == v2_mount + "/soulbox");

    const std::string id = unique_id();
    auto group = manager->create(id, {});
    REQUIRE_MESSAGE(group, (group ? "" : group.error().describe()));
    GroupCleanup cleanup{group->get()};
    CHECK((*group)->path() == v2_mount + "/soulbox/" + id);
    CHECK(exists((*group)->path()));
    REQUIRE((*group)->clone_fd() >= 0);

    Child child([] { return 0; });
    REQUIRE((*group)->add_process(child.pid()));
    CHECK(slurp((*group)->path() + "/cgroup.procs") == std::to_string(child.pid()));
    child.go();
    CHECK(child.wait() == 0);

    // clone_fd() is what clone3(CLONE_INTO_CGROUP) needs: the child starts in the group.
    clone_args args{};
    args.flags = CLONE_INTO_CGROUP;
    args.exit_signal = SIGCHLD;
    args.cgroup = static_cast<std::uint64_t>((*group)->clone_fd());
    const std::string expected = "0::/soulbox/" + id;
    const long cloned = ::syscall(SYS_clone3, &args, sizeof args);
    if (cloned == 0) _exit(slurp("/proc/self/cgroup").find(expected) != std::string::npos ? 0 : 1);
    REQUIRE(cloned > 0);
    int status = 0;
    REQUIRE(::waitpid(static_cast<pid_t>(cloned), &status, 0) == cloned);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);

    const std::string limited_id = unique_id();
    auto limited = manager->create(limited_id, {.memory_bytes = 64 << 20});
    if (a.memory) {
        CHECK(limited); // a pure v2 host
        if (limited) (void)(*limited)->destroy();
    } else {
        REQUIRE_FALSE(limited);
        CHECK(limited.error().code == Errc::limit_unenforceable);
        CHECK(limited.error().message.find("memory") != std::string::npos);
        CHECK_FALSE(exists(a.base_path + "/" + limited_id));
        MESSAGE(limited.error().describe());
    }
}

TEST_CASE("cgroup: a rootless caller gets an explained refusal") {
    REQUIRE_ROOT();
    int report[2];
    REQUIRE(::pipe2(report, O_CLOEXEC) == 0);
    // Exit code bits: 1 setup failed, 2 auto backend usable, 4 reason missing uid,
    // 8 limited create not refused, 16 forced v2 usable, 32 forced v2 create not refused.
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::close(report[0]);
        if (::setgroups(0, nullptr) != 0 || ::setresgid(65534, 65534, 65534) != 0 ||
            ::setresuid(65534, 65534, 65534) != 0)
            _exit(1);
        int failures = 0;
        std::string text;
        auto refused = [](const Result<std::unique_ptr<Group>>& r) {
            return !r && (r.error().code == Errc::limit_unenforceable ||
                          r.error().code == Errc::unsupported);
        };
        {
            auto manager = detect_manager();
            const Availability& a = manager->availability();
            text += "auto: " + a.reason + "\n";
            if (a.usable) failures |= 2;
            if (a.reason.find("uid 65534") == std::string::npos) failures |= 4;
            auto created = manager->create("rootless-test", {.memory_bytes = 1 << 26});
            if (!refused(created))
                failures |= 8;
            else
                text += "create: " + created.error().describe() + "\n";
        }
        {
            auto manager = detect_manager("v2");
            text += "v2: " + manager->availability().reason + "\n";
            if (manager->availability().usable) failures |= 16;
            if (!refused(manager->create("rootless-test", {.memory_bytes = 1 << 26})))
                failures |= 32;
        }
        (void)!::write(report[1], text.data(), text.size());
        _exit(failures);
    }
    ::close(report[1]);
    std::string text;
    char buf[1024];
    for (ssize_t n; (n = ::read(report[0], buf, sizeof buf)) > 0;)
        text.append(buf, n);
    ::close(report[0]);
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    INFO(text);
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    if (!host_mount("memory").empty())
        CHECK(text.find("cgroup v1 hierarchy at " + host_mount("memory") +
                        " is not writable by uid 65534") != std::string::npos);
    MESSAGE(text);
}
