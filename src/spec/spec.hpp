// SandboxSpec: the one description of a sandbox. The C++ options build it, the C ABI lowers
// into it, sandbox.json stores it, the setup frame carries its mount list to the agent, and
// snapshots and the server will store and accept the same JSON (spec_json.hpp).
//
// Meaning is validated once, here: build_spec() for options, validate() for a spec read from
// JSON. Everything downstream (the agent, the bindings) may assume a valid spec.
#pragma once

#include "soulbox/types.hpp"
#include "spec/mount_op.hpp"

#include <cstdint>
#include <string>
#include <sys/types.h>
#include <vector>

namespace soulbox::spec {

// Version of the JSON form. Readers ignore keys they do not know; a spec or record with a
// higher version is foreign to this library (reported, never acted on).
inline constexpr int kSchemaVersion = 1;

// The account that commands run as unless they ask for root.
struct UserSpec {
    std::string name = "user";
    uid_t uid = 1000;
    gid_t gid = 1000;
    std::string home = "/home/user";

    bool operator==(const UserSpec&) const = default;
};

// The slot the network issue fills: today every sandbox has loopback only.
struct NetworkSpec {
    bool enabled = false;

    bool operator==(const NetworkSpec&) const = default;
};

struct SecuritySpec {
    std::string seccomp_profile = "default"; // the only profile so far

    bool operator==(const SecuritySpec&) const = default;
};

struct SandboxSpec {
    int schema_version = kSchemaVersion;
    std::string template_name = "host";
    std::vector<MountOp> mounts; // the template, resolved: what the agent builds
    ResourceLimits limits;       // as asked; unset fields take the runtime's defaults
    NetworkSpec network;
    UserSpec user;
    SecuritySpec security;
    StringMap envs;
    StringMap metadata;
    std::string hostname = "sandbox";
    std::uint64_t timeout_seconds = 300; // 0 = none

    bool operator==(const SandboxSpec&) const = default;
};

// Validate options and resolve their template into a spec.
Result<SandboxSpec> build_spec(const SandboxOptions& options);
// Check a whole spec (one that came from JSON): the same rules as build_spec, and the mounts.
Status validate(const SandboxSpec& spec);

// The rules, shared by every caller that takes these values (commands, PTYs, files).
Status validate_user(std::string_view user);
Status validate_terminal_size(std::uint32_t rows, std::uint32_t cols);
Status validate_env_name(std::string_view name);

} // namespace soulbox::spec
