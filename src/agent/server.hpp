// The agent's control server: PID 1 of the sandbox. It accepts connections from host processes,
// spawns and tracks user processes, reaps every child (orphans included), enforces command and
// sandbox timeouts, and drains the output of processes nobody is attached to.
#pragma once

#include "core/unique_fd.hpp"
#include "soulbox/error.hpp"

#include <string>
#include <sys/types.h>
#include <vector>

namespace soulbox::agent {

struct ServerConfig {
    UniqueFd bootstrap;                   // connection to the creating host process
    UniqueFd listen_socket;               // control.sock, for connect() from other host processes
    std::vector<std::string> sandbox_env; // "KEY=VALUE" from Sandbox.create(envs=...)
    uid_t user_uid = 1000;
    gid_t user_gid = 1000;
    bool rootless = false;
    std::uint64_t deadline_ms = 0; // wall-clock end of the sandbox, 0 = none
};

// Serve until the sandbox deadline passes (then return, and the pid namespace dies with us).
Status serve(ServerConfig config);

} // namespace soulbox::agent
