// What a Sandbox object holds; shared with the process code (commands.cpp).
#pragma once

#include "api/sandbox.hpp"
#include "cgroup/cgroup.hpp"
#include "core/unique_fd.hpp"
#include "runtime/runtime.hpp"
#include "sandbox/channel.hpp"
#include "sandbox/state.hpp"

#include <atomic>
#include <memory>
#include <mutex>

namespace soulbox {

// The host resources of one sandbox (state directory, cgroup, id range), released exactly once
// by whoever sees the agent end first: kill(), the reaper of the creating process, or gc.
struct SandboxResources {
    std::string root;
    sandbox::SandboxRecord record;
    std::unique_ptr<cgroup::Group> group; // null when limits are not enforced by cgroups
    UniqueFd pidfd;
    bool is_parent = false; // this process created the agent and must reap it
    std::once_flag released;

    void release();
};

struct Sandbox::State {
    std::shared_ptr<Runtime> runtime; // its loop reads this sandbox's channel and output
    std::shared_ptr<SandboxResources> resources;
    std::shared_ptr<sandbox::Channel> channel;
    std::mutex record_mutex; // guards resources->record.end_at_ms
};

} // namespace soulbox
