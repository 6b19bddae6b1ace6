// Resource limits enforced through cgroups (v1 on this host, v2 on most) and the tmpfs root.
#include "support/sandbox_fixture.hpp"

#include <unistd.h>

using namespace soulbox;
using namespace soulbox::test;

TEST_CASE("memory limit: an allocation beyond it is OOM-killed and reported as such") {
    SandboxOptions options;
    options.limits.memory_bytes = 64u << 20;
    Sandbox sbx = make_sandbox(options);
    auto info = expect_ok(sbx.info(), "info");
    CHECK(info.limits.memory_bytes == (64u << 20));
    auto r = sh(sbx, "python3 -c 'b = bytearray(256 * 1024 * 1024); print(len(b))'");
    CHECK(r.oom_killed);
    CHECK(r.signal == 9);
    CHECK(r.error.find("OOM") != std::string::npos);
    // The sandbox itself survives and keeps working.
    CHECK(sh(sbx, "echo alive").stdout_data == "alive\n");
    expect_ok(sbx.kill(), "kill");
}

TEST_CASE("pids limit stops a fork bomb and the host stays fine") {
    SandboxOptions options;
    options.limits.pids = 32;
    Sandbox sbx = make_sandbox(options);
    RunOptions run;
    run.timeout = std::chrono::seconds(20);
    auto r = sh(sbx, "for i in $(seq 1 100); do sleep 5 & done 2>&1; jobs -r | wc -l", run);
    CHECK(r.stdout_data.find("Resource temporarily unavailable") != std::string::npos);
    expect_ok(sbx.kill(), "kill");
}

TEST_CASE("cpu limit: half a core gives about half a second of CPU per second") {
    SandboxOptions options;
    options.limits.cpus = 0.5;
    Sandbox sbx = make_sandbox(options);
    auto r = sh(sbx, "python3 -c '\n"
                     "import os, time\n"
                     "t = time.time()\n"
                     "while time.time() - t < 2: pass\n"
                     "c = os.times()\n"
                     "print(round((c.user + c.system) / 2, 2))'");
    REQUIRE(r.exit_code == 0);
    double share = std::stod(r.stdout_data);
    CHECK(share < 0.7);
    CHECK(share > 0.2);
    expect_ok(sbx.kill(), "kill");
}

TEST_CASE("disk limit: filling the writable layer fails with ENOSPC and nothing else breaks") {
    SandboxOptions options;
    options.limits.disk_bytes = 16u << 20;
    Sandbox sbx = make_sandbox(options);
    auto r = sh(sbx, "dd if=/dev/zero of=/home/user/fill bs=1M count=64 2>&1");
    CHECK(r.exit_code != 0);
    CHECK(r.stdout_data.find("No space left on device") != std::string::npos);
    auto files = sh(sbx, "cd /tmp && for i in $(seq 1 20000); do : > f$i || break; done 2>&1; "
                         "rm -f /home/user/fill; echo done");
    CHECK(files.stdout_data.find("done") != std::string::npos);
    expect_ok(sbx.kill(), "kill");
}
