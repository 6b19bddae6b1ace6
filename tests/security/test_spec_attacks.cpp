// Attacks through a sandbox spec (SECURITY-CHECKLIST: paths from users are resolved inside the
// sandbox root). A spec's mount list is applied before pivot_root, while the host's tree is
// still reachable: a symlink planted by one operation must not redirect a later one to the host.
#include "soulbox/soulbox.hpp"
#include "spec/spec.hpp"
#include "spec/spec_json.hpp"

#include <doctest/doctest.h>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

using namespace soulbox;
using namespace soulbox::spec;

namespace {

SandboxSpec host_spec() {
    auto spec = build_spec({});
    REQUIRE(spec);
    return *spec;
}

MountOp symlink_op(std::string target, std::string to) {
    MountOp m;
    m.kind = MountKind::symlink;
    m.target = std::move(target);
    m.source = std::move(to);
    return m;
}

bool host_exists(const std::string& path) {
    struct stat st {};
    return ::lstat(path.c_str(), &st) == 0;
}

} // namespace

TEST_CASE("spec attack: a symlink in the new root cannot redirect a later mount to the host") {
    std::string bait = "/tmp/soulbox-spec-bait-" + std::to_string(::getpid());
    REQUIRE_FALSE(host_exists(bait));
    // file through a symlinked parent, dir through one, and a file onto a symlink to the host.
    for (int variant = 0; variant < 3; ++variant) {
        CAPTURE(variant);
        SandboxSpec spec = host_spec();
        MountOp payload;
        if (variant == 0) {
            spec.mounts.push_back(symlink_op("/escape", "/"));
            payload.kind = MountKind::file;
            payload.target = "/escape" + bait;
            payload.content = "pwned";
        } else if (variant == 1) {
            spec.mounts.push_back(symlink_op("/escape", "/tmp"));
            payload.kind = MountKind::dir;
            payload.target = "/escape/" + bait.substr(5);
        } else {
            spec.mounts.push_back(symlink_op("/escape", bait));
            payload.kind = MountKind::tmpfs;
            payload.target = "/escape";
        }
        spec.mounts.push_back(payload);
        REQUIRE(validate(spec)); // well-formed: only the kernel's view can tell
        auto sbx = Sandbox::create_from_spec_json(spec_to_json(spec));
        if (sbx) (void)sbx->kill();
        CHECK_FALSE(sbx);
        if (!sbx) CHECK(sbx.error().message.find("symlink") != std::string::npos);
        CHECK_FALSE(host_exists(bait));
    }
}

TEST_CASE("spec attack: hostile JSON is refused before anything starts") {
    const char* hostile[] = {
        R"({"mounts":[{"kind":"dir","target":"/../../etc"}]})",
        R"({"mounts":[{"kind":"bind","target":"/host","source":"../../"}]})",
        R"({"mounts":[{"kind":"proc","target":"/tmp/proc"}]})",
        R"({"mounts":[{"kind":"dev","target":"/home/user/dev"}]})",
        R"({"user":{"uid":0}})",
        R"({"user":{"name":"root\n"}})",
        R"({"hostname":"a\nb"})",
        R"({"envs":{"LD_PRELOAD=x":"y"}})",
        R"({"security":{"seccomp_profile":"unconfined"}})",
        R"({"schema_version":-1})",
        R"({"limits":{"memory_bytes":-1}})",
        R"({"timeout_seconds":18446744073709551615})",
    };
    for (const char* json : hostile) {
        CAPTURE(json);
        auto spec = spec_from_json(json);
        CHECK_FALSE(spec);
    }
    // Deep nesting is skipped where a key is unknown and refused where one is known; a huge
    // mount list is refused: errors, not a crash or a hang.
    std::string nest = std::string(5000, '[') + std::string(5000, ']');
    CHECK(spec_from_json(R"({"future":)" + nest + "}"));
    CHECK_FALSE(spec_from_json(R"({"mounts":)" + nest + "}"));
    CHECK_FALSE(spec_from_json(R"({"limits":)" + nest + "}"));
    std::string many = R"({"mounts":[)";
    for (int i = 0; i < 1100; ++i)
        many +=
            std::string(i ? "," : "") + R"({"kind":"dir","target":"/d)" + std::to_string(i) + "\"}";
    many += "]}";
    auto too_many = spec_from_json(many);
    REQUIRE_FALSE(too_many);
    CHECK(too_many.error().message.find("1024") != std::string::npos);
}
