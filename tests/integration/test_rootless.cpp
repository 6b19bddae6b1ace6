// Run as an unprivileged user (ctest runs these as nobody): same sandbox, no host root.
#include "support/sandbox_fixture.hpp"

#include <unistd.h>

using namespace soulbox;
using namespace soulbox::test;

TEST_CASE("rootless: a sandbox runs code as the sandbox user") {
    REQUIRE_MESSAGE(::geteuid() != 0, "rootless cases must run as an unprivileged user");
    Sandbox sbx = make_sandbox();
    auto info = expect_ok(sbx.info(), "info");
    CHECK(info.rootless);
    auto r = sh(sbx, "id -u; python3 -c 'print(2 + 2)'; echo x > /home/user/f && cat /home/user/f");
    CHECK(r.exit_code == 0);
    CHECK(r.stdout_data == "1000\n4\nx\n");
    RunOptions as_root;
    as_root.user = "root";
    auto root = sbx.commands().run("id -u", as_root);
    REQUIRE_FALSE(root);
    CHECK(root.error().code == Errc::unsupported);
    expect_ok(sbx.kill(), "kill");
    CHECK_FALSE(sbx.is_running());
}

TEST_CASE("rootless: a limit the host cannot enforce is an error, not silently dropped") {
    REQUIRE_MESSAGE(::geteuid() != 0, "rootless cases must run as an unprivileged user");
    SandboxOptions options;
    options.limits.memory_bytes = 128u << 20;
    auto created = Sandbox::create(options);
    if (created) {
        // A host with a delegated cgroup v2 subtree enforces it; then it must show in info.
        CHECK(expect_ok(created->info(), "info").limits.memory_bytes == (128u << 20));
        expect_ok(created->kill(), "kill");
    } else {
        CHECK(created.error().code == Errc::limit_unenforceable);
        CHECK(created.error().message.find("memory") != std::string::npos);
    }
}
