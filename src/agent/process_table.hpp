// The user processes the agent started: their records, who follows each one, and their
// deadlines. Plain bookkeeping, no system calls: the process service acts on what it says.
#pragma once

#include "agent/connection_id.hpp"
#include "core/unique_fd.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace soulbox::agent {

struct Process {
    pid_t pid = -1;
    std::string tag, cwd, user;
    std::vector<std::string> argv, env;
    UniqueFd stdin_writer, stdout_reader, stderr_reader; // the agent's own copies
    UniqueFd pty_master; // terminal processes: the master side (also in stdout_reader)
    // The connection that gets the output and the exit event; none: the agent drains the output.
    ConnectionId subscriber = kNoConnection;
    std::uint64_t deadline_ms = 0; // CLOCK_MONOTONIC, 0 = none
    bool timed_out = false;
};

class ProcessTable {
public:
    Process& add(Process process);
    Process* find(pid_t pid);
    // The process leaves the table (it exited and was reaped).
    std::optional<Process> take(pid_t pid);
    const std::map<pid_t, Process>& processes() const { return processes_; }

    // Processes followed by `connection`.
    std::vector<Process*> subscribed_by(ConnectionId connection);

    // Mark every process whose deadline is at or before `now_ms` as timed out and return them
    // (each once).
    std::vector<Process*> expire(std::uint64_t now_ms);
    // The earliest deadline still to come, 0 = none.
    std::uint64_t next_deadline() const;

private:
    std::map<pid_t, Process> processes_;
};

} // namespace soulbox::agent
