// The sandbox's seccomp policy: compiled once in the host process (libseccomp), handed to the
// agent as raw BPF in a sealed memfd, and installed by the agent on itself so every process in
// the sandbox inherits it.
#pragma once

#include "core/unique_fd.hpp"
#include "soulbox/error.hpp"

#include <linux/filter.h>
#include <span>
#include <string_view>
#include <vector>

namespace soulbox::seccomp {

struct Program {
    std::vector<sock_filter> instructions;
};

// Build the default-deny policy for the native architecture. Pure: no process state changes.
Result<Program> compile_default_policy();

// The default policy as a sealed, read-only memfd holding the raw sock_filter array (a Runtime
// compiles it once and hands each agent a duplicate).
Result<UniqueFd> create_policy_memfd();

// Agent side: read a program previously written by create_policy_memfd().
Result<Program> read_program(int fd);

// Install on the calling thread (needs no_new_privs or CAP_SYS_ADMIN in the user namespace).
// Uses SECCOMP_FILTER_FLAG_TSYNC so every thread of the caller gets it.
Status install(std::span<const sock_filter> program);

struct NamedSyscall {
    std::string_view name;
    int number;
};

// The syscalls the policy refuses with EPERM by name (its explicit deny tables), resolved for the
// native architecture; names this architecture lacks are left out. For tests and audits.
std::vector<NamedSyscall> explicitly_denied_syscalls();

} // namespace soulbox::seccomp
