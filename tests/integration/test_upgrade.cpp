// Upgrades: sandboxes whose state this version cannot read (written by a newer SoulBox, or
// damaged) keep running through gc, list and create, and are reported as foreign.
#include "support/sandbox_fixture.hpp"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sched.h>
#include <spawn.h>
#include <sstream>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

using namespace soulbox;
using namespace soulbox::test;

namespace {

std::string state_dir() {
    if (const char* env = std::getenv("SOULBOX_STATE_DIR"); env && *env) return env;
    return "/run/soulbox";
}

std::string read_text(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void write_text(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::trunc);
    out << text;
    REQUIRE(out.good());
}

// Make a directory look old, so an age-based collector would take it.
void age(const std::string& path) {
    timeval old[2]{};
    gettimeofday(&old[0], nullptr);
    old[0].tv_sec -= 3600;
    old[1] = old[0];
    REQUIRE(::utimes(path.c_str(), old) == 0);
}

// /proc/<pid>/stat field 22, as the library records it to tell a live process from a reused pid.
std::string start_time_of(pid_t pid) {
    std::string stat = read_text("/proc/" + std::to_string(pid) + "/stat");
    std::istringstream fields(stat.substr(stat.rfind(')') + 2)); // from field 3 on
    std::string field;
    for (int i = 3; i <= 22 && fields >> field; ++i) {
    }
    return field;
}

const SandboxInfo* listed(const std::vector<SandboxInfo>& list, const std::string& id) {
    for (const auto& info : list)
        if (info.id == id) return &info;
    return nullptr;
}

} // namespace

TEST_CASE("sandboxes with a newer or unreadable record survive gc, list and create") {
    Sandbox newer = make_sandbox();
    Sandbox garbage = make_sandbox();
    std::string newer_dir = state_dir() + "/" + newer.id();
    std::string garbage_dir = state_dir() + "/" + garbage.id();
    std::string newer_saved = read_text(newer_dir + "/sandbox.json");
    std::string garbage_saved = read_text(garbage_dir + "/sandbox.json");
    REQUIRE(newer_saved.find("\"schema_version\":1") != std::string::npos);

    // A future release: higher schema_version, keys this one does not know, and a key it
    // knows with a new meaning.
    write_text(newer_dir + "/sandbox.json",
               "{\"schema_version\":99,\"id\":\"" + newer.id() +
                   "\",\"agent_pid\":{\"host\":1},\"layers\":[\"sha256:abc\"],\"paused\":true}\n");
    write_text(garbage_dir + "/sandbox.json", "{\"id\": \"" + garbage.id() + "\", \"agent_pi");
    age(newer_dir);
    age(garbage_dir);

    (void)expect_ok(Sandbox::gc(), "gc");
    auto list = expect_ok(Sandbox::list(), "list");
    Sandbox fresh = make_sandbox();
    CHECK(sh(fresh, "echo ok").stdout_data == "ok\n");
    (void)expect_ok(Sandbox::gc(), "gc again");

    for (auto* sbx : {&newer, &garbage}) {
        CAPTURE(sbx->id());
        CHECK(sbx->is_running());
        CHECK(sh(*sbx, "echo alive").stdout_data == "alive\n");
        struct stat st {};
        CHECK(::stat((state_dir() + "/" + sbx->id()).c_str(), &st) == 0);
        const SandboxInfo* info = listed(list, sbx->id());
        REQUIRE(info);
        CHECK(info->state == SandboxState::foreign);
        CHECK_FALSE(info->foreign_reason.empty());
    }
    CHECK(listed(list, newer.id())->foreign_reason.find("newer") != std::string::npos);
    CHECK(listed(list, garbage.id())->foreign_reason.find("unreadable") != std::string::npos);

    // connect() refuses to drive what it cannot read, and says why.
    auto connected = Sandbox::connect(newer.id());
    REQUIRE_FALSE(connected);
    CHECK(connected.error().code == Errc::unsupported);
    CHECK(connected.error().message.find("newer") != std::string::npos);

    write_text(newer_dir + "/sandbox.json", newer_saved);
    write_text(garbage_dir + "/sandbox.json", garbage_saved);
    expect_ok(newer.kill(), "kill newer");
    expect_ok(garbage.kill(), "kill garbage");
    expect_ok(fresh.kill(), "kill fresh");
}

TEST_CASE("gc removes an abandoned create (creator gone) but not one in progress") {
    std::string id = "abandoned-create-test";
    std::string dir = state_dir() + "/" + id;
    REQUIRE(::mkdir(dir.c_str(), 0700) == 0);
    // pid 0 is never a live creator; an in-progress create names its creator instead.
    write_text(dir + "/sandbox.json",
               "{\"schema_version\":1,\"id\":\"" + id +
                   "\",\"agent_pid\":0,\"creator_pid\":2147483646,\"creator_start_time\":1}");
    std::string busy_id = "create-in-progress-test";
    std::string busy_dir = state_dir() + "/" + busy_id;
    REQUIRE(::mkdir(busy_dir.c_str(), 0700) == 0);
    write_text(busy_dir + "/sandbox.json",
               "{\"schema_version\":1,\"id\":\"" + busy_id +
                   "\",\"agent_pid\":0,\"creator_pid\":" + std::to_string(::getpid()) +
                   ",\"creator_start_time\":" + start_time_of(::getpid()) + "}");
    age(busy_dir);

    (void)expect_ok(Sandbox::gc(), "gc");
    struct stat st {};
    CHECK(::stat(dir.c_str(), &st) != 0);
    CHECK(::stat(busy_dir.c_str(), &st) == 0);
    std::remove((busy_dir + "/sandbox.json").c_str());
    ::rmdir(busy_dir.c_str());
}

namespace {

// An agent of release 0.1.0 as seen from the host: a live process serving control.sock that
// drops a connection on the first frame it does not know (hello). Its record is schema 0.
struct OldAgent {
    pid_t pid = -1;
    std::string id = "old-agent-test";
    std::string dir = state_dir() + "/" + id;

    OldAgent() {
        REQUIRE(::mkdir(dir.c_str(), 0700) == 0);
        std::string socket = dir + "/control.sock";
        std::string script = "import socket,sys\n"
                             "s=socket.socket(socket.AF_UNIX)\n"
                             "s.bind(sys.argv[1]); s.listen(8)\n"
                             "while True:\n"
                             "    c,_=s.accept(); c.recv(65536); c.close()\n";
        std::vector<char*> argv{const_cast<char*>("python3"), const_cast<char*>("-c"),
                                script.data(), socket.data(), nullptr};
        REQUIRE(::posix_spawnp(&pid, "python3", nullptr, nullptr, argv.data(), environ) == 0);
        // Ready once it listens: connect() succeeds.
        for (;;) {
            int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
            sockaddr_un addr{};
            addr.sun_family = AF_UNIX;
            std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", socket.c_str());
            int rc = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
            ::close(fd);
            if (rc == 0) break;
            int status = 0;
            if (::waitpid(pid, &status, WNOHANG) != 0) FAIL("the fake agent exited while starting");
            ::sched_yield();
        }
        std::string start = start_time_of(pid);
        write_text(
            dir + "/sandbox.json",
            "{\"id\":\"" + id +
                "\",\"template\":\"host\",\"metadata\":{\"era\":\"0.1\"},"
                "\"started_at_ms\":1,\"end_at_ms\":0,\"agent_pid\":" +
                std::to_string(pid) + ",\"agent_start_time\":" + start +
                ",\"rootless\":false,\"id_slot\":-1,\"limits\":{\"memory_bytes\":0,"
                "\"pids\":0,\"cpus\":0,\"disk_bytes\":0,\"cgroup\":\"none\",\"note\":\"\"}}\n");
    }
    void stop() {
        if (pid <= 0) return;
        ::kill(pid, SIGKILL);
        ::waitpid(pid, nullptr, 0);
        pid = -1;
    }
    ~OldAgent() { stop(); }
};

} // namespace

TEST_CASE("a sandbox of an older agent is reported as such, not as dead") {
    OldAgent old;
    (void)expect_ok(Sandbox::gc(), "gc");
    auto list = expect_ok(Sandbox::list(), "list");
    const SandboxInfo* info = listed(list, old.id);
    REQUIRE(info);
    CHECK(info->state == SandboxState::running);
    CHECK(info->agent_protocol_version == 0);
    CHECK(info->metadata.at("era") == "0.1");

    auto connected = Sandbox::connect(old.id);
    REQUIRE_FALSE(connected);
    CHECK(connected.error().code == Errc::unsupported);
    CHECK(connected.error().message.find("older agent (protocol 0)") != std::string::npos);

    Sandbox fresh = make_sandbox();
    CHECK(expect_ok(fresh.info(), "info").agent_protocol_version >= 1);
    struct stat st {};
    CHECK(::stat(old.dir.c_str(), &st) == 0);
    expect_ok(fresh.kill(), "kill");

    // Once its agent has ended it is known dead, and collected.
    old.stop();
    (void)expect_ok(Sandbox::gc(), "gc after exit");
    CHECK(::stat(old.dir.c_str(), &st) != 0);
}
