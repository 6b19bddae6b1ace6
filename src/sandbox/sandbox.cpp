// Sandbox lifecycle: create, connect, list, kill, timeouts, garbage collection.
#include "runtime/runtime.hpp"
#include "sandbox/launch.hpp"
#include "sandbox/sandbox_state.hpp"
#include "spec/setup_mounts.hpp"

#include <atomic>
#include <cerrno>
#include <cmath>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

namespace soulbox {

using protocol::Field;
using protocol::Message;
using protocol::Op;

namespace {

constexpr std::uint64_t kDefaultMemory = 512ull << 20;
constexpr std::uint64_t kDefaultPids = 1024;
constexpr double kDefaultCpus = 1.0;
constexpr std::uint64_t kDefaultDisk = 1ull << 30;
constexpr int kSetupTimeoutMs = 20000;

Error invalid(std::string message) {
    return make_error(Errc::invalid_argument, std::move(message));
}

// Resolve requested and default limits against what this host's cgroups can do.
Result<cgroup::Limits> resolve_limits(cgroup::Manager& cgroups, const ResourceLimits& asked,
                                      EffectiveLimits& effective) {
    const auto& avail = cgroups.availability();
    cgroup::Limits limits;
    std::string missing;
    auto pick = [&](const auto& requested, auto fallback, bool controller, const char* name) {
        if (requested) return *requested; // explicit: enforced or create fails
        if (avail.usable && controller) return fallback;
        missing += missing.empty() ? name : std::string(", ") + name;
        return decltype(fallback){0};
    };
    limits.memory_bytes = pick(asked.memory_bytes, kDefaultMemory, avail.memory, "memory");
    limits.pids = pick(asked.pids, kDefaultPids, avail.pids, "pids");
    limits.cpus = pick(asked.cpus, kDefaultCpus, avail.cpu, "cpu");
    effective.memory_bytes = limits.memory_bytes;
    effective.pids = limits.pids;
    effective.cpus = limits.cpus;
    effective.disk_bytes = asked.disk_bytes.value_or(kDefaultDisk);
    effective.cgroup = avail.usable ? (avail.version == cgroup::Version::v2 ? "v2" : "v1") : "none";
    if (!missing.empty())
        effective.note = "default " + missing + " limit not enforced: " +
                         (avail.reason.empty() ? "controller unavailable" : avail.reason);
    bool any = limits.memory_bytes || limits.pids || limits.cpus;
    if (any && !avail.usable) {
        std::string which = limits.memory_bytes ? "memory" : limits.pids ? "pids" : "cpu";
        return std::unexpected(
            make_error(Errc::limit_unenforceable,
                       which + " limit requested but cgroups are unusable: " + avail.reason));
    }
    return limits;
}

Result<UniqueFd> listen_on(const std::string& path) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.size() >= sizeof addr.sun_path)
        return std::unexpected(make_error(Errc::invalid_argument,
                                          "control socket path too long: " + path +
                                              " (set SOULBOX_STATE_DIR to a shorter directory)"));
    std::copy(path.begin(), path.end(), addr.sun_path);
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!fd) return std::unexpected(sys_error("socket"));
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
        return std::unexpected(sys_error("bind " + path));
    if (::listen(fd.get(), 64) != 0) return std::unexpected(sys_error("listen " + path));
    return fd;
}

Result<UniqueFd> connect_to(const std::string& path) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.size() >= sizeof addr.sun_path)
        return std::unexpected(make_error(Errc::invalid_argument, "socket path too long"));
    std::copy(path.begin(), path.end(), addr.sun_path);
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd) return std::unexpected(sys_error("socket"));
    if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
        return std::unexpected(sys_error("connect to sandbox agent"));
    return fd;
}

bool pidfd_exited(int pidfd, int timeout_ms) {
    pollfd p{pidfd, POLLIN, 0};
    int rc;
    do {
        rc = ::poll(&p, 1, timeout_ms);
    } while (rc < 0 && errno == EINTR);
    return rc != 0;
}

// Watches the agents this process created; when one ends, reaps it and frees its resources,
// whether or not a Sandbox object for it still exists. The watch keeps the runtime (and so its
// loop) alive while the agent runs.
void watch_for_exit(const std::shared_ptr<Runtime>& runtime,
                    const std::shared_ptr<SandboxResources>& resources) {
    struct Watched {
        std::shared_ptr<Runtime> runtime;
        std::shared_ptr<SandboxResources> resources;
    };
    auto holder = std::make_shared<Watched>(Watched{runtime, resources});
    runtime->loop().watch_readable(resources->pidfd.get(), [holder] {
        holder->resources->release();
        holder->runtime->log(LogLevel::debug,
                             "sandbox " + holder->resources->record.id + " ended and was reaped");
        // The pidfd closes with the resources; only after this watch is gone, so its number
        // cannot be reused while the loop still watches it.
        holder->runtime->loop().post([holder] { *holder = {}; });
        return false;
    });
}

Result<std::unique_ptr<cgroup::Group>> open_group(Runtime& runtime,
                                                  const sandbox::SandboxRecord& record) {
    if (record.limits.cgroup == "none") return std::unique_ptr<cgroup::Group>();
    auto group = runtime.cgroups().open(record.id);
    if (!group && group.error().code == Errc::not_found) return std::unique_ptr<cgroup::Group>();
    return group;
}

// Release what dead sandboxes of this state root left behind. Only ids found in the root are
// touched (another root may own cgroups that look the same), and only what is known dead: a
// record that cannot be read or comes from a newer version may belong to a live sandbox.
int collect_garbage(Runtime& runtime) {
    const std::string& root = runtime.state_root();
    int cleaned = 0;
    for (const auto& id : sandbox::list_sandbox_ids(root)) {
        auto record = sandbox::read_record(root, id);
        if (!record) {
            // No record: a crash between mkdir and the first record left an empty directory
            // (nothing was started yet). rmdir removes only an empty one.
            struct stat st {};
            std::string dir = sandbox::sandbox_dir(root, id);
            if (record.error().code == Errc::not_found && ::stat(dir.c_str(), &st) == 0 &&
                sandbox::now_ms() / 1000 >= std::uint64_t(st.st_mtime) + 60 &&
                ::rmdir(dir.c_str()) == 0)
                ++cleaned;
            continue;
        }
        if (sandbox::liveness(*record) != sandbox::Liveness::dead) continue;
        SandboxResources dead;
        dead.root = root;
        dead.record = std::move(*record);
        if (auto group = runtime.cgroups().open(id); group) dead.group = std::move(*group);
        dead.release();
        runtime.log(LogLevel::info, "gc: collected dead sandbox " + id);
        ++cleaned;
    }
    ns::collect_stale_id_slots(root);
    return cleaned;
}

} // namespace

void SandboxResources::release() {
    std::call_once(released, [this] {
        if (is_parent && pidfd) {
            siginfo_t info{};
            ::waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(pidfd.get()), &info,
                     WEXITED | __WALL | WNOHANG);
        }
        if (group) {
            (void)group->kill_all();
            (void)group->destroy();
        }
        sandbox::remove_state(root, record);
    });
}

Sandbox::Sandbox(std::shared_ptr<State> state) : state_(std::move(state)) {}
Sandbox::Sandbox(Sandbox&& other) noexcept : state_(std::move(other.state_)) {}
Sandbox& Sandbox::operator=(Sandbox&& other) noexcept {
    state_ = std::move(other.state_);
    return *this;
}
Sandbox::~Sandbox() = default;

const std::string& Sandbox::id() const {
    static const std::string none;
    return state_ ? state_->resources->record.id : none;
}

Result<Sandbox> Sandbox::create(const SandboxOptions& options, std::shared_ptr<Runtime> runtime) {
    auto spec = spec::build_spec(options);
    if (!spec) return std::unexpected(std::move(spec.error().context("create sandbox")));
    return create_from_spec(std::move(*spec), std::move(runtime));
}

Result<Sandbox> Sandbox::create_from_spec(spec::SandboxSpec spec,
                                          std::shared_ptr<Runtime> runtime_in) {
    auto runtime_or = Runtime::or_default(std::move(runtime_in));
    if (!runtime_or) return std::unexpected(runtime_or.error());
    std::shared_ptr<Runtime> runtime = std::move(*runtime_or);
    const std::string& root = runtime->state_root();
    // What a crashed process left behind goes first; at most every few seconds, so creating
    // many sandboxes does not scan the state directory each time.
    if (runtime->gc_due(sandbox::now_ms())) collect_garbage(*runtime);

    auto resources = std::make_shared<SandboxResources>();
    resources->root = root;
    resources->is_parent = true;
    auto& record = resources->record;
    record.id = sandbox::new_sandbox_id();
    record.spec = std::move(spec);
    record.creator_pid = ::getpid();
    record.creator_start_time = sandbox::process_start_time(record.creator_pid);
    record.started_at_ms = sandbox::now_ms();
    std::string dir = sandbox::sandbox_dir(root, record.id);
    if (::mkdir(dir.c_str(), 0700) != 0) return std::unexpected(sys_error("create " + dir));
    // From here on every failure must release what was taken.
    auto fail = [&](Error error) -> Result<Sandbox> {
        resources->release();
        return std::unexpected(std::move(error.context("create sandbox")));
    };
    // Recorded before anything is started, so gc can tell a crashed create (creator gone)
    // from one in progress.
    if (auto s = sandbox::write_record(root, record); !s) return fail(s.error());

    const auto& sandbox_spec = record.spec;
    auto limits = resolve_limits(runtime->cgroups(), sandbox_spec.limits, record.limits);
    if (!limits) return fail(limits.error());
    auto ids = ns::allocate_id_mapping(root, record.id);
    if (!ids) return fail(ids.error());
    record.id_slot = ids->slot;
    record.rootless = ids->rootless;
    if (record.limits.cgroup != "none") {
        auto group = runtime->cgroups().create(record.id, *limits);
        if (!group) return fail(group.error());
        resources->group = std::move(*group);
    }
    auto listener = listen_on(sandbox::control_socket_path(root, record.id));
    if (!listener) return fail(listener.error());
    auto seccomp_fd = runtime->seccomp_policy_fd();
    if (!seccomp_fd) return fail(seccomp_fd.error());

    sandbox::LaunchPlan plan;
    plan.ids = *ids;
    cgroup::Group* group = resources->group.get();
    if (group && group->clone_fd() >= 0)
        plan.cgroup_fd = group->clone_fd();
    else if (group)
        plan.place_child = [group](pid_t pid) { return group->add_process(pid); };
    auto agent = sandbox::launch_agent(plan);
    if (!agent) return fail(agent.error());
    resources->pidfd = std::move(agent->pidfd);
    record.agent_pid = agent->pid;
    record.agent_start_time = sandbox::process_start_time(agent->pid);
    record.started_at_ms = sandbox::now_ms();
    record.end_at_ms = sandbox_spec.timeout_seconds
                           ? record.started_at_ms + sandbox_spec.timeout_seconds * 1000
                           : 0;

    Message setup(Op::setup, 0);
    setup.add(Field::sandbox_id, record.id);
    setup.add(Field::hostname, sandbox_spec.hostname);
    setup.add_u64(Field::sandbox_uid, sandbox_spec.user.uid);
    setup.add_u64(Field::sandbox_gid, sandbox_spec.user.gid);
    setup.add_u64(Field::rootless, record.rootless);
    setup.add_u64(Field::disk_bytes, record.limits.disk_bytes);
    setup.add_u64(Field::deadline_ms, record.end_at_ms);
    for (const auto& [k, v] : sandbox_spec.envs)
        setup.add(Field::env, k + "=" + v);
    spec::add_mounts(setup, sandbox_spec.mounts);
    setup.add_fd(std::move(*listener));
    setup.add_fd(UniqueFd(::fcntl(*seccomp_fd, F_DUPFD_CLOEXEC, 0)));
    auto kill_agent = [&] {
        ::syscall(SYS_pidfd_send_signal, resources->pidfd.get(), SIGKILL, nullptr, 0);
        pidfd_exited(resources->pidfd.get(), 5000);
    };
    if (auto s = protocol::send_message(agent->socket.get(), std::move(setup)); !s) {
        kill_agent();
        return fail(s.error());
    }
    protocol::Reader reader;
    auto ready = protocol::receive_message(agent->socket.get(), reader, kSetupTimeoutMs);
    if (!ready || ready->op() != Op::ready) {
        kill_agent();
        Error error = !ready           ? ready.error()
                      : ready->error() ? *ready->error()
                                       : make_error(Errc::protocol, "unexpected agent reply");
        if (error.code == Errc::not_running) error.message = "sandbox agent exited during setup";
        return fail(error.context("sandbox setup"));
    }
    auto channel = sandbox::Channel::open(std::move(agent->socket), runtime->shared_loop());
    if (!channel) {
        kill_agent();
        return fail(channel.error());
    }
    record.agent_protocol = (*channel)->agent_protocol_version();
    if (auto s = sandbox::write_record(root, record); !s) {
        kill_agent();
        return fail(s.error());
    }
    watch_for_exit(runtime, resources);
    auto state = std::make_shared<State>();
    state->runtime = std::move(runtime);
    state->resources = std::move(resources);
    state->channel = std::move(*channel);
    return Sandbox(std::move(state));
}

Result<Sandbox> Sandbox::connect(std::string_view id, std::shared_ptr<Runtime> runtime_in) {
    if (auto s = sandbox::validate_sandbox_id(id); !s) return std::unexpected(s.error());
    auto runtime_or = Runtime::or_default(std::move(runtime_in));
    if (!runtime_or) return std::unexpected(runtime_or.error());
    std::shared_ptr<Runtime> runtime = std::move(*runtime_or);
    const std::string& root = runtime->state_root();
    auto record = sandbox::read_record(root, std::string(id));
    if (!record) return std::unexpected(record.error());
    auto pidfd = sandbox::open_agent_pidfd(*record);
    if (!pidfd) return std::unexpected(pidfd.error().about(ErrorSubject::sandbox));
    auto resources = std::make_shared<SandboxResources>();
    resources->root = root;
    resources->pidfd.reset(*pidfd);
    resources->record = std::move(*record);
    auto group = open_group(*runtime, resources->record);
    if (!group) return std::unexpected(group.error());
    resources->group = std::move(*group);
    auto socket = connect_to(sandbox::control_socket_path(root, resources->record.id));
    if (!socket)
        return std::unexpected(socket.error()
                                   .context("connect to sandbox " + std::string(id))
                                   .about(ErrorSubject::sandbox));
    auto channel = sandbox::Channel::open(std::move(*socket), runtime->shared_loop());
    if (!channel) return std::unexpected(channel.error());
    if (auto version = (*channel)->agent_protocol_version();
        version < protocol::kOldestAgentProtocolVersion) {
        // An old agent drops the connection on hello; so does one that is just ending.
        if ((*channel)->closed() && pidfd_exited(resources->pidfd.get(), 100))
            return std::unexpected(
                make_error(Errc::not_running, "sandbox " + std::string(id) + " is not running"));
        return std::unexpected(make_error(
            Errc::unsupported, "sandbox " + std::string(id) + " runs an older agent (protocol " +
                                   std::to_string(version) + "); this library speaks protocol " +
                                   std::to_string(protocol::kProtocolVersion)));
    }
    auto state = std::make_shared<State>();
    state->runtime = std::move(runtime);
    state->resources = std::move(resources);
    state->channel = std::move(*channel);
    return Sandbox(std::move(state));
}

Status Sandbox::kill() {
    if (!state_) return std::unexpected(invalid("sandbox object was moved from"));
    auto& res = *state_->resources;
    if (pidfd_exited(res.pidfd.get(), 0)) {
        res.release();
        return std::unexpected(
            make_error(Errc::not_running, "sandbox " + res.record.id + " is not running"));
    }
    // SIGKILL to PID 1 of the namespace takes every process in it down with it.
    if (::syscall(SYS_pidfd_send_signal, res.pidfd.get(), SIGKILL, nullptr, 0) != 0 &&
        errno != ESRCH)
        return std::unexpected(sys_error("kill sandbox agent"));
    if (!pidfd_exited(res.pidfd.get(), 10000))
        return std::unexpected(make_error(Errc::timeout, "sandbox did not exit after SIGKILL"));
    res.release();
    return {};
}

bool Sandbox::is_running() const {
    // The agent's socket closes as it starts exiting, a moment before its pidfd reports the
    // exit (the kernel first tears down the pid namespace): either one means it has ended.
    return state_ && !state_->channel->closed() && !pidfd_exited(state_->resources->pidfd.get(), 0);
}

Result<SandboxInfo> Sandbox::info() const {
    if (!state_) return std::unexpected(invalid("sandbox object was moved from"));
    const auto& res = *state_->resources;
    // Another process may have changed the timeout: the state file is the shared truth.
    auto record = sandbox::read_record(res.root, res.record.id);
    std::lock_guard lock(state_->record_mutex);
    return sandbox::to_info(record ? *record : res.record, is_running());
}

Status Sandbox::set_timeout(std::chrono::seconds timeout) {
    if (!state_) return std::unexpected(invalid("sandbox object was moved from"));
    if (timeout.count() < 0) return std::unexpected(invalid("timeout must be >= 0 seconds"));
    auto& res = *state_->resources;
    std::uint64_t deadline =
        timeout.count() ? sandbox::now_ms() + std::uint64_t(timeout.count()) * 1000 : 0;
    Message request(Op::set_timeout, 0);
    request.add_u64(Field::deadline_ms, deadline);
    auto reply = state_->channel->request(std::move(request));
    if (!reply) return std::unexpected(reply.error());
    std::lock_guard lock(state_->record_mutex);
    auto record = sandbox::read_record(res.root, res.record.id);
    if (record) res.record = std::move(*record);
    res.record.end_at_ms = deadline;
    return sandbox::write_record(res.root, res.record);
}

Result<std::vector<SandboxInfo>> Sandbox::list(std::shared_ptr<Runtime> runtime_in) {
    auto runtime = Runtime::or_default(std::move(runtime_in));
    if (!runtime) return std::unexpected(runtime.error());
    const std::string& root = (*runtime)->state_root();
    collect_garbage(**runtime);
    std::vector<SandboxInfo> out;
    for (const auto& id : sandbox::list_sandbox_ids(root)) {
        auto record = sandbox::read_record(root, id);
        if (!record) {
            if (sandbox::is_foreign(record.error()))
                out.push_back(sandbox::foreign_info(id, record.error()));
            continue; // no record yet: being created right now
        }
        auto liveness = sandbox::liveness(*record);
        if (liveness == sandbox::Liveness::alive) out.push_back(sandbox::to_info(*record, true));
        // A parsed record without an agent or creator to judge it by is not ours to end.
        if (liveness == sandbox::Liveness::foreign)
            out.push_back(sandbox::foreign_info(
                id, make_error(Errc::protocol, "sandbox " + id + " has no agent or creator pid")));
    }
    return out;
}

Result<int> Sandbox::gc(std::shared_ptr<Runtime> runtime_in) {
    auto runtime = Runtime::or_default(std::move(runtime_in));
    if (!runtime) return std::unexpected(runtime.error());
    return collect_garbage(**runtime);
}

} // namespace soulbox
