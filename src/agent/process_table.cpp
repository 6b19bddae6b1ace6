#include "agent/process_table.hpp"

namespace soulbox::agent {

Process& ProcessTable::add(Process process) {
    pid_t pid = process.pid;
    return processes_[pid] = std::move(process);
}

Process* ProcessTable::find(pid_t pid) {
    auto it = processes_.find(pid);
    return it == processes_.end() ? nullptr : &it->second;
}

std::optional<Process> ProcessTable::take(pid_t pid) {
    auto node = processes_.extract(pid);
    if (node.empty()) return std::nullopt;
    return std::move(node.mapped());
}

std::vector<Process*> ProcessTable::subscribed_by(ConnectionId connection) {
    std::vector<Process*> out;
    for (auto& [pid, process] : processes_)
        if (process.subscriber == connection) out.push_back(&process);
    return out;
}

std::vector<Process*> ProcessTable::expire(std::uint64_t now_ms) {
    std::vector<Process*> out;
    for (auto& [pid, process] : processes_)
        if (process.deadline_ms && process.deadline_ms <= now_ms && !process.timed_out) {
            process.timed_out = true;
            out.push_back(&process);
        }
    return out;
}

std::uint64_t ProcessTable::next_deadline() const {
    std::uint64_t next = 0;
    for (const auto& [pid, process] : processes_)
        if (process.deadline_ms && !process.timed_out && (!next || process.deadline_ms < next))
            next = process.deadline_ms;
    return next;
}

} // namespace soulbox::agent
