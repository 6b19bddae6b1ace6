#include "runtime/runtime.hpp"

#include "sandbox/state.hpp"
#include "seccomp/policy.hpp"

#include <cstdlib>
#include <thread>

namespace soulbox {
inline namespace internal {

namespace {

// Re-checked by create(): a forced value the library does not know is an error, not ignored.
const char* env_or(const char* name, const char* fallback) {
    const char* value = std::getenv(name);
    return value && *value ? value : fallback;
}

} // namespace

RuntimeOptions runtime_options_from_environment() {
    RuntimeOptions options;
    options.state_dir = env_or("SOULBOX_STATE_DIR", "");
    options.cgroup = env_or("SOULBOX_CGROUP", "auto");
    options.io = env_or("SOULBOX_IO", "auto");
    return options;
}

Result<std::shared_ptr<Runtime>> Runtime::create(RuntimeOptions options) {
    if (options.cgroup != "auto" && options.cgroup != "v1" && options.cgroup != "v2")
        return std::unexpected(make_error(Errc::invalid_argument, "runtime cgroup must be 'auto', "
                                                                  "'v1' or 'v2', not '" +
                                                                      options.cgroup + "'"));
    if (options.io != "auto" && options.io != "epoll")
        return std::unexpected(
            make_error(Errc::invalid_argument,
                       "runtime io must be 'auto' or 'epoll', not '" + options.io + "'"));
    auto root = sandbox::prepare_state_root(options.state_dir);
    if (!root) return std::unexpected(root.error());
    std::shared_ptr<Runtime> runtime(new Runtime());
    runtime->state_root_ = std::move(*root);
    runtime->cgroups_ =
        cgroup::detect_manager(options.cgroup == "auto" ? std::string_view{} : options.cgroup);
    auto loop =
        io::EventLoop::create(options.io == "epoll" ? io::Backend::epoll : io::Backend::io_uring);
    if (!loop) return std::unexpected(loop.error().context("runtime event loop"));
    // The last owner of a loop may be a handler running on the loop's own thread, which cannot
    // join itself: such a loop is ended by a helper thread once that handler has returned.
    runtime->loop_ = std::shared_ptr<io::EventLoop>(loop->release(), [](io::EventLoop* ended) {
        if (ended->on_loop_thread())
            std::thread([ended] { delete ended; }).detach();
        else
            delete ended;
    });
    runtime->options_ = std::move(options);
    const auto& avail = runtime->cgroups_->availability();
    runtime->log(LogLevel::info,
                 "runtime: state " + runtime->state_root_ + ", cgroups " +
                     (avail.usable ? (avail.version == cgroup::Version::v2 ? "v2" : "v1")
                                   : "unusable (" + avail.reason + ")") +
                     ", loop " +
                     (runtime->loop_->backend() == io::Backend::io_uring ? "io_uring" : "epoll"));
    return runtime;
}

Result<std::shared_ptr<Runtime>> Runtime::default_runtime() {
    // Created once; a failure (e.g. an unusable state directory) is kept and reported to every
    // caller. Never destroyed: sandboxes may still be reaped while the process exits.
    static const auto* runtime =
        new Result<std::shared_ptr<Runtime>>(create(runtime_options_from_environment()));
    return *runtime;
}

Result<std::shared_ptr<Runtime>> Runtime::or_default(std::shared_ptr<Runtime> runtime) {
    if (runtime) return runtime;
    return default_runtime();
}

Result<int> Runtime::seccomp_policy_fd() {
    std::call_once(seccomp_once_, [this] { seccomp_fd_ = seccomp::create_policy_memfd(); });
    if (!seccomp_fd_) return std::unexpected(seccomp_fd_.error());
    return seccomp_fd_->get();
}

void Runtime::log(LogLevel level, std::string_view message) const {
    if (options_.log) options_.log(level, message);
}

bool Runtime::gc_due(std::uint64_t now_ms) {
    std::uint64_t last = last_gc_ms_.load();
    return now_ms - last > 5000 && last_gc_ms_.compare_exchange_strong(last, now_ms);
}

} // namespace internal
} // namespace soulbox
