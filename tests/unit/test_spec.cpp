// SandboxSpec: building from options, validation, the JSON codec and the setup-frame mounts;
// the sandbox.json record codec and its liveness rules.
#include "protocol/message.hpp"
#include "sandbox/state.hpp"
#include "spec/setup_mounts.hpp"
#include "spec/spec_json.hpp"
#include "template/templates.hpp"

#include <doctest/doctest.h>
#include <unistd.h>

using namespace soulbox;
using namespace soulbox::spec;

namespace {

SandboxSpec built(SandboxOptions options = {}) {
    auto spec = build_spec(options);
    REQUIRE_MESSAGE(spec, (spec ? "" : spec.error().describe()));
    return *spec;
}

const MountOp* find_mount(const SandboxSpec& spec, std::string_view target) {
    for (const auto& m : spec.mounts)
        if (m.target == target) return &m;
    return nullptr;
}

Error spec_error(std::string_view json) {
    auto spec = spec_from_json(json);
    REQUIRE_FALSE(spec);
    return spec.error();
}

} // namespace

TEST_CASE("the host template is data, filled from the spec's user and hostname") {
    SandboxOptions options;
    options.hostname = "box-1";
    auto spec = built(options);
    CHECK(spec.schema_version == kSchemaVersion);
    CHECK(spec.template_name == "host");
    const MountOp* usr = find_mount(spec, "/usr");
    REQUIRE(usr);
    CHECK(usr->kind == MountKind::overlay_ro);
    CHECK(usr->source == "/usr");
    const MountOp* passwd = find_mount(spec, "/etc/passwd");
    REQUIRE(passwd);
    CHECK(passwd->content.find("user:x:1000:1000:user:/home/user:/bin/bash\n") !=
          std::string::npos);
    REQUIRE(find_mount(spec, "/etc/hostname"));
    CHECK(find_mount(spec, "/etc/hostname")->content == "box-1\n");
    const MountOp* home = find_mount(spec, "/home/user");
    REQUIRE(home);
    CHECK(home->user_owned);
    // No placeholder survives expansion.
    for (const auto& m : spec.mounts) {
        CHECK(m.target.find('{') == std::string::npos);
        CHECK(m.content.find("{uid}") == std::string::npos);
        CHECK(m.content.find("{hostname}") == std::string::npos);
    }
    CHECK(templates::find("host"));
    CHECK_FALSE(templates::find("ubuntu"));
}

TEST_CASE("E2B's default template name \"base\" selects the host template, as the user named it") {
    CHECK(templates::find("base") == templates::find("host"));
    SandboxOptions o;
    o.template_name = "base";
    auto spec = build_spec(o);
    REQUIRE(spec);
    CHECK(spec->template_name == "base");
    CHECK_FALSE(spec->mounts.empty());
}

TEST_CASE("a spec round-trips through JSON unchanged") {
    SandboxOptions options;
    options.envs = {{"GREETING", "héllo \"world\"\n"}, {"EMPTY", ""}};
    options.metadata = {{"owner", "ünïcode ✓"}, {"k", "v\tw"}};
    options.hostname = "round.trip";
    options.timeout = std::chrono::seconds(0);
    options.limits.memory_bytes = 256u << 20;
    options.limits.cpus = 0.25;
    options.limits.disk_bytes = 0;
    auto spec = built(options);
    std::string json = spec_to_json(spec);
    auto back = spec_from_json(json);
    REQUIRE_MESSAGE(back, (back ? "" : back.error().describe()));
    CHECK(*back == spec);
    CHECK_FALSE(back->limits.pids); // unset stays unset: the runtime's default applies
    CHECK(spec_to_json(*back) == json);
}

TEST_CASE("spec readers ignore unknown keys at every level") {
    auto spec = spec_from_json(R"({"schema_version":1,"template":"host","future":{"a":[1,2]},
        "user":{"name":"user","uid":1000,"gid":1000,"home":"/home/user","shell":"zsh"},
        "mounts":[{"kind":"dir","target":"/data","mode":448,"quota":5}],
        "limits":{"memory_bytes":67108864,"gpu":1},"network":{"enabled":false,"ports":[80]}})");
    REQUIRE_MESSAGE(spec, (spec ? "" : spec.error().describe()));
    REQUIRE(spec->mounts.size() == 1);
    CHECK(spec->mounts[0].kind == MountKind::dir);
    CHECK(spec->mounts[0].mode == 0700);
    CHECK(spec->limits.memory_bytes == 64u << 20);
    CHECK(spec->hostname == "sandbox");
}

TEST_CASE("a spec from a newer schema is refused as unsupported") {
    auto e = spec_error(R"({"schema_version":2,"template":"host","mounts":"changed meaning"})");
    CHECK(e.code == Errc::unsupported);
    CHECK(e.message.find("newer") != std::string::npos);
}

TEST_CASE("spec JSON with wrong types names the field") {
    auto e = spec_error(R"({"hostname":5})");
    CHECK(e.code == Errc::invalid_argument);
    CHECK(e.message.find("spec.hostname") != std::string::npos);
    CHECK(spec_error(R"({"mounts":[{"target":"/x"}]})").message.find("mounts[0].kind") !=
          std::string::npos);
    CHECK(
        spec_error(R"({"mounts":[{"kind":"teleport","target":"/x"}]})").message.find("teleport") !=
        std::string::npos);
    CHECK(spec_error(R"({"user":{"uid":4294967296}})").code == Errc::invalid_argument);
    CHECK(spec_error(R"({"envs":{"A":1}})").message.find("spec.envs") != std::string::npos);
    CHECK(spec_error("[1,2]").code == Errc::invalid_argument);
    CHECK(spec_error("not json").code == Errc::invalid_argument);
    CHECK(spec_error("").code == Errc::invalid_argument);
}

TEST_CASE("meaning is validated once, when the spec is built") {
    auto fails = [](SandboxOptions o) {
        auto spec = build_spec(o);
        REQUIRE_FALSE(spec);
        return spec.error();
    };
    SandboxOptions o;
    o.template_name = "nope";
    auto e = fails(o);
    CHECK(e.code == Errc::not_found);
    CHECK(e.subject == ErrorSubject::template_name);
    CHECK(e.message.find("'host'") != std::string::npos);
    o = {};
    o.envs = {{"A=B", "x"}};
    CHECK(fails(o).code == Errc::invalid_argument);
    o = {};
    o.envs = {{"", "x"}};
    CHECK(fails(o).code == Errc::invalid_argument);
    o = {};
    o.hostname = "bad host";
    CHECK(fails(o).code == Errc::invalid_argument);
    o = {};
    o.hostname = std::string(65, 'a');
    CHECK(fails(o).code == Errc::invalid_argument);
    o = {};
    o.limits.memory_bytes = 1u << 20;
    CHECK(fails(o).message.find("8 MiB") != std::string::npos);
    o = {};
    o.limits.cpus = -1;
    CHECK(fails(o).code == Errc::invalid_argument);
    o = {};
    o.metadata = {{"k", std::string("\xff\xfe", 2)}};
    CHECK(fails(o).message.find("UTF-8") != std::string::npos);
    o = {};
    o.timeout = std::chrono::seconds(-1);
    CHECK(fails(o).code == Errc::invalid_argument);
    CHECK(validate_user("user"));
    CHECK(validate_user("root"));
    CHECK_FALSE(validate_user("admin"));
    CHECK(validate_terminal_size(24, 80));
    CHECK_FALSE(validate_terminal_size(0, 80));
    CHECK_FALSE(validate_terminal_size(24, 10001));
}

TEST_CASE("mount operations are validated: absolute, normal targets; host sources absolute") {
    auto spec = built();
    auto rejects = [&](MountOp m) {
        SandboxSpec s = spec;
        s.mounts.push_back(std::move(m));
        auto status = validate(s);
        REQUIRE_FALSE(status);
        CHECK(status.error().code == Errc::invalid_argument);
        return status.error().message;
    };
    MountOp m;
    m.kind = MountKind::dir;
    for (const char* bad : {"relative", "/a/../b", "/a/./b", "/a//b", "/a/", "/", ""}) {
        m.target = bad;
        CHECK(rejects(m).find("target") != std::string::npos);
    }
    m.kind = MountKind::bind;
    m.target = "/data";
    m.source = "host/relative";
    CHECK(rejects(m).find("source") != std::string::npos);
    m.kind = MountKind::proc;
    m.target = "/not-proc";
    CHECK(rejects(m).find("/proc") != std::string::npos);
    m.kind = MountKind::file;
    m.target = "/big";
    m.content.assign((4u << 20) + 1, 'x');
    CHECK(rejects(m).find("4 MiB") != std::string::npos);
}

TEST_CASE("the setup frame carries the mount list exactly") {
    auto spec = built();
    protocol::Message setup(protocol::Op::setup, 0);
    add_mounts(setup, spec.mounts);
    std::size_t fds = 0;
    std::string wire = setup.encode();
    auto decoded = protocol::Message::decode(
        {reinterpret_cast<const std::byte*>(wire.data()), wire.size()}, &fds);
    REQUIRE(decoded);
    auto mounts = read_mounts(*decoded);
    REQUIRE(mounts);
    CHECK(*mounts == spec.mounts);
    protocol::Message broken(protocol::Op::setup, 0);
    protocol::Message entry;
    entry.add_u64(protocol::Field::mount_kind, 99).add(protocol::Field::mount_target, "/x");
    broken.add(protocol::Field::mount, entry.encode_fields());
    CHECK_FALSE(read_mounts(broken));
}

TEST_CASE("sandbox.json: this version round-trips, schema 0 is read, newer and garbage are "
          "foreign") {
    sandbox::SandboxRecord r;
    r.id = "0123456789abcdef";
    r.spec = built();
    r.spec.metadata = {{"who", "me"}};
    r.started_at_ms = 1700000000000;
    r.end_at_ms = 1700000300000;
    r.agent_pid = 1234;
    r.agent_start_time = 5678;
    r.limits.memory_bytes = 1;
    r.limits.cpus = 0.5;
    r.limits.cgroup = "v1";
    r.id_slot = 7;
    auto back = sandbox::record_from_json(sandbox::record_to_json(r), r.id);
    REQUIRE_MESSAGE(back, (back ? "" : back.error().describe()));
    CHECK(back->schema_version == sandbox::kRecordSchemaVersion);
    CHECK(back->spec == r.spec);
    CHECK(back->agent_pid == 1234);
    CHECK(back->limits.cpus == 0.5);
    CHECK(back->id_slot == 7);

    // What the previous release wrote: no schema_version, no spec.
    auto v0 = sandbox::record_from_json(
        R"({"id":"0123456789abcdef","template":"host","metadata":{"a":"b"},"started_at_ms":1,)"
        R"("end_at_ms":0,"agent_pid":42,"agent_start_time":9,"rootless":true,"id_slot":-1,)"
        R"("limits":{"memory_bytes":0,"pids":0,"cpus":0,"disk_bytes":1073741824,"cgroup":"none","note":""}})",
        "0123456789abcdef");
    REQUIRE_MESSAGE(v0, (v0 ? "" : v0.error().describe()));
    CHECK(v0->schema_version == 0);
    CHECK(v0->spec.template_name == "host");
    CHECK(v0->spec.metadata.at("a") == "b");
    CHECK(v0->agent_pid == 42);
    CHECK(v0->rootless);

    auto newer = sandbox::record_from_json(
        R"({"schema_version":7,"id":"0123456789abcdef","agent_pid":"moved"})", r.id);
    REQUIRE_FALSE(newer);
    CHECK(newer.error().code == Errc::unsupported);
    CHECK(sandbox::is_foreign(newer.error()));
    for (const char* garbage :
         {"{\"id\":", "\x01\x02", "{\"id\":\"other\"}", "{\"agent_pid\":-5}"}) {
        auto g = sandbox::record_from_json(garbage, r.id);
        REQUIRE_FALSE(g);
        CHECK(g.error().code == Errc::protocol);
        CHECK(sandbox::is_foreign(g.error()));
    }
}

TEST_CASE("liveness: only a parsed record whose process has ended is dead") {
    sandbox::SandboxRecord r;
    r.id = "live";
    r.agent_pid = ::getpid();
    r.agent_start_time = sandbox::process_start_time(::getpid());
    CHECK(sandbox::liveness(r) == sandbox::Liveness::alive);
    r.agent_start_time += 1; // the pid was reused by another process
    CHECK(sandbox::liveness(r) == sandbox::Liveness::dead);
    r.agent_pid = 0; // still being created by us
    r.creator_pid = ::getpid();
    r.creator_start_time = sandbox::process_start_time(::getpid());
    CHECK(sandbox::liveness(r) == sandbox::Liveness::creating);
    r.creator_start_time += 1;
    CHECK(sandbox::liveness(r) == sandbox::Liveness::dead);
    r.creator_pid = 0;
    CHECK(sandbox::liveness(r) == sandbox::Liveness::foreign);
}
