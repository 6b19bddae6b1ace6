// Starting one user process inside the sandbox (runs in the agent, which is single-threaded,
// so fork is safe here).
#pragma once

#include "core/unique_fd.hpp"
#include "soulbox/error.hpp"

#include <string>
#include <sys/types.h>
#include <vector>

namespace soulbox::agent {

struct SpawnRequest {
    std::vector<std::string> argv; // argv[0] is looked up in the PATH of `env` when it has no '/'
    std::vector<std::string> env;  // complete environment, "KEY=VALUE"
    std::string cwd;
    uid_t uid = 1000;
    gid_t gid = 1000;
    bool open_stdin = false; // else stdin is /dev/null
    // A terminal instead of pipes: the process gets a new pty (from the sandbox's own devpts)
    // as stdin, stdout, stderr and controlling tty.
    bool pty = false;
    unsigned short rows = 24, cols = 80;
};

struct SpawnedProcess {
    pid_t pid = -1;
    UniqueFd stdin_writer; // empty unless open_stdin
    UniqueFd stdout_reader;
    UniqueFd stderr_reader;
    UniqueFd pty_master; // set instead of the three pipes for a pty process
};

// Fork, enter a new session, become the sandbox user with no capabilities, exec. Failures before
// exec (missing binary, bad cwd) are reported here with the errno, not as an exit code.
Result<SpawnedProcess> spawn_process(const SpawnRequest& request);

} // namespace soulbox::agent
