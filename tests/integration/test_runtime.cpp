// Two runtimes in one process: separate state roots, loops and garbage collection.
#include "api/sandbox.hpp"
#include "runtime/runtime.hpp"
#include "support/expect.hpp"

#include <algorithm>
#include <cstdlib>
#include <string>
#include <sys/stat.h>
#include <vector>

using namespace soulbox;
using namespace soulbox::test;

namespace {

std::shared_ptr<Runtime> runtime_in(const std::string& state_dir) {
    RuntimeOptions options;
    options.state_dir = state_dir;
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
    auto runtime = runtime_in(base + "/state");
    Sandbox sbx = expect_ok(Sandbox::create({}, runtime), "create");
    const std::string id = sbx.id();
    runtime.reset(); // the sandbox keeps it
    CHECK(sh(sbx, "echo alive").stdout_data == "alive\n");
    expect_ok(sbx.kill(), "kill");
    CHECK_FALSE(exists(base + "/state/" + id));
}
