// A runtime: what sandboxes of one configuration share in a process (crun's libcrun_context_t).
// Its state root, cgroup manager, event loop, compiled seccomp profile and log hook live here
// instead of in process-wide singletons; two runtimes with different state roots coexist in one
// process. The default runtime reads SOULBOX_STATE_DIR, SOULBOX_CGROUP and SOULBOX_IO once; no
// other code reads the environment.
#pragma once

#include "cgroup/cgroup.hpp"
#include "core/unique_fd.hpp"
#include "io/event_loop.hpp"
#include "runtime/callback_pool.hpp"
#include "soulbox/types.hpp"

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

namespace soulbox {
inline namespace internal {

// The options of the default runtime: RuntimeOptions' defaults overridden by SOULBOX_STATE_DIR,
// SOULBOX_CGROUP and SOULBOX_IO.
RuntimeOptions runtime_options_from_environment();

class Runtime {
public:
    // Resolves and creates the state root, detects cgroups and starts the event loop.
    static Result<std::shared_ptr<Runtime>> create(RuntimeOptions options);
    // The runtime of calls that name none, configured from the environment on first use. It
    // lives until the process exits.
    static Result<std::shared_ptr<Runtime>> default_runtime();
    // `runtime`, or the default one when it is null.
    static Result<std::shared_ptr<Runtime>> or_default(std::shared_ptr<Runtime> runtime);

    Runtime(const Runtime&) = delete;
    Runtime& operator=(const Runtime&) = delete;

    const std::string& state_root() const { return state_root_; }
    cgroup::Manager& cgroups() { return *cgroups_; }
    io::EventLoop& loop() { return *loop_; }
    // Shared by every holder that must keep the loop alive (channels, handles).
    const std::shared_ptr<io::EventLoop>& shared_loop() const { return loop_; }
    // The sealed memfd with the sandbox seccomp program, compiled on first use; the runtime owns
    // it and hands each agent a duplicate.
    Result<int> seccomp_policy_fd();
    // Where process output callbacks run: off the loop, one strand per handle.
    CallbackPool& callbacks() { return callbacks_; }
    // Reports to the log hook, if any. Cheap when there is none.
    void log(LogLevel level, std::string_view message) const;

    // Garbage collection on create runs at most every few seconds per runtime.
    bool gc_due(std::uint64_t now_ms);

private:
    Runtime() = default;

    RuntimeOptions options_;
    std::string state_root_;
    std::unique_ptr<cgroup::Manager> cgroups_;
    std::shared_ptr<io::EventLoop> loop_;
    CallbackPool callbacks_;
    std::once_flag seccomp_once_;
    Result<UniqueFd> seccomp_fd_{std::unexpected(Error{})};
    std::atomic<std::uint64_t> last_gc_ms_{0};
};

} // namespace internal
} // namespace soulbox
