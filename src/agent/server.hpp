// The agent's control server: PID 1 of the sandbox. It accepts connections from host processes
// and dispatches each request through one op -> handler table to the service that owns the op:
// processes (process_service.hpp) and watches (watch_service.hpp) on the event loop, file
// operations (files.hpp) on the file worker thread (serial_worker.hpp), so the loop never
// blocks. It enforces the sandbox timeout and answers `hello` with the ops of that table.
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
