// Two runtimes in one process, through the public C++ layer (soulbox::Runtime over
// soulbox_runtime_*): separate state roots, loops and garbage collection.
#include "support/sandbox_fixture.hpp"

#include <algorithm>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <string>
#include <sys/stat.h>
#include <vector>

using namespace soulbox;
using namespace soulbox::test;

namespace {

Runtime runtime_in(const std::string& state_dir, LogHook log = {}) {
    RuntimeOptions options;
    options.state_dir = state_dir;
    options.log = std::move(log);
    return expect_ok(Runtime::create(options), "create runtime");
}

std::string temp_dir() {
    char dir[] = "/tmp/soulbox-rt-XXXXXX";
    REQUIRE(::mkdtemp(dir) != nullptr);
    return dir;
}

bool lists(const std::vector<SandboxInfo>& infos, const std::string& id) {
    return std::any_of(infos.begin(), infos.end(),
                       [&](const SandboxInfo& i) { return i.id == id; });
}

bool exists(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0;
}

} // namespace

TEST_CASE("runtime: two runtimes with different state roots in one process") {
    const std::string base = temp_dir();
    auto first = runtime_in(base + "/one");
    auto second = runtime_in(base + "/two");

    Sandbox a = expect_ok(Sandbox::create({}, first), "create in first");
    Sandbox b = expect_ok(Sandbox::create({}, second), "create in second");
    CHECK(exists(base + "/one/" + a.id() + "/sandbox.json"));
    CHECK(exists(base + "/two/" + b.id() + "/sandbox.json"));
    CHECK_FALSE(exists(base + "/one/" + b.id()));

    // Each runtime sees only its own sandboxes; connecting across them fails by name.
    auto in_first = expect_ok(Sandbox::list(first), "list first");
    auto in_second = expect_ok(Sandbox::list(second), "list second");
    CHECK(lists(in_first, a.id()));
    CHECK_FALSE(lists(in_first, b.id()));
    CHECK(lists(in_second, b.id()));
    CHECK_FALSE(lists(in_second, a.id()));
    auto cross = Sandbox::connect(b.id(), first);
    REQUIRE_FALSE(cross.has_value());
    CHECK(cross.error().code == Errc::not_found);

    // Both work at once, each on its own loop.
    CHECK(sh(a, "echo one").stdout_data == "one\n");
    CHECK(sh(b, "echo two").stdout_data == "two\n");
    Sandbox b_again = expect_ok(Sandbox::connect(b.id(), second), "connect in second");
    CHECK(sh(b_again, "echo again").stdout_data == "again\n");

    // Killing one leaves the other running, and each root is cleaned by its own runtime.
    expect_ok(a.kill(), "kill a");
    CHECK_FALSE(exists(base + "/one/" + a.id()));
    CHECK(b.is_running());
    expect_ok(b.kill(), "kill b");
    CHECK_FALSE(exists(base + "/two/" + b.id()));
    CHECK(expect_ok(Sandbox::list(second), "list second").empty());
}

TEST_CASE("runtime: a runtime dropped by its caller lives while its sandboxes run") {
    const std::string base = temp_dir();
    std::optional<Runtime> runtime = runtime_in(base + "/state");
    Sandbox sbx = expect_ok(Sandbox::create({}, *runtime), "create");
    const std::string id = sbx.id();
    runtime.reset(); // the sandbox keeps what it needs
    CHECK(sh(sbx, "echo alive").stdout_data == "alive\n");
    expect_ok(sbx.kill(), "kill");
    CHECK_FALSE(exists(base + "/state/" + id));
}

TEST_CASE("runtime: the log hook hears the runtime, and bad options are refused by name") {
    const std::string base = temp_dir();
    std::mutex mutex;
    std::vector<std::string> lines;
    Runtime runtime = runtime_in(base + "/logged", [&](LogLevel, std::string_view line) {
        std::lock_guard lock(mutex);
        lines.emplace_back(line);
    });
    CHECK(runtime.state_dir() == base + "/logged");
    {
        std::lock_guard lock(mutex);
        REQUIRE_FALSE(lines.empty());
        CHECK(lines.front().find(base + "/logged") != std::string::npos);
    }

    RuntimeOptions bad;
    bad.state_dir = base + "/bad";
    bad.cgroup = "v9";
    auto refused = Runtime::create(bad);
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().code == Errc::invalid_argument);
    CHECK(refused.error().message.find("v9") != std::string::npos);
    bad.cgroup = "auto";
    bad.state_dir = "relative";
    CHECK_FALSE(Runtime::create(bad).has_value());
}
