// cgroup v2: one directory per sandbox at <top>/soulbox/<id>, where <top> is the mount root for
// root and the nearest delegated ancestor of the caller's own cgroup otherwise.
#include "cgroup/backends.hpp"
#include "cgroup/cgroup_files.hpp"
#include "core/unique_fd.hpp"

#include <fcntl.h>
#include <optional>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

namespace soulbox::cgroup {

namespace {

// Waits for cgroup.events to change (it does when "populated" flips to 0). A group that is
// already unpopulated but still busy gets a plain sleep, so callers never spin.
void wait_for_events(const std::string& events_file, std::chrono::milliseconds timeout) {
    UniqueFd fd(::open(events_file.c_str(), O_RDONLY | O_CLOEXEC));
    char buf[256];
    // Reading arms the notification: poll() reports POLLPRI for changes after this read.
    const ssize_t n = fd ? ::read(fd.get(), buf, sizeof buf - 1) : -1;
    if (n < 0 || std::string_view(buf, static_cast<std::size_t>(n)).find("populated 0") !=
                     std::string_view::npos) {
        sleep_wait(timeout);
        return;
    }
    pollfd pfd{fd.get(), POLLPRI, 0};
    ::poll(&pfd, 1, static_cast<int>(timeout.count()));
}

class V2Group final : public Group {
public:
    V2Group(std::string dir, UniqueFd fd) : dir_(std::move(dir)), fd_(std::move(fd)) {}

    Version version() const override { return Version::v2; }
    std::string path() const override { return dir_; }
    int clone_fd() const override { return fd_.get(); }

    Status add_process(pid_t pid) override {
        return write_file(dir_ + "/cgroup.procs", std::to_string(pid));
    }

    Result<std::uint64_t> oom_kill_count() const override {
        return memory_stat(read_keyed(dir_ + "/memory.events", "oom_kill"));
    }

    Result<std::uint64_t> memory_current() const override {
        return memory_stat(read_number(dir_ + "/memory.current"));
    }

    Status kill_all() override {
        // cgroup.kill (Linux 5.14+) kills the whole group atomically, forks included; the loop
        // below then only waits for the exits. Older kernels: freeze, then kill one by one.
        const std::string kill_file = dir_ + "/cgroup.kill";
        FreezeControl freeze{dir_ + "/cgroup.freeze", "1", "0"};
        if (path_exists(kill_file)) {
            if (auto killed = write_file(kill_file, "1"); !killed) return killed;
            freeze = {};
        }
        return kill_all_in(dir_ + "/cgroup.procs", freeze, waiter());
    }

    Status destroy() override {
        auto removed = remove_group_dir(dir_, Clock::now() + teardown_bound, waiter());
        if (removed) fd_.reset();
        return removed;
    }

private:
    WaitForChange waiter() const {
        return [events = dir_ + "/cgroup.events"](std::chrono::milliseconds timeout) {
            wait_for_events(events, timeout);
        };
    }

    // memory.* files exist only where the memory controller is enabled.
    Result<std::uint64_t> memory_stat(Result<std::uint64_t> value) const {
        if (!value && value.error().sys_errno == ENOENT && path_exists(dir_))
            return std::unexpected(no_memory_controller(dir_));
        return value;
    }

    std::string dir_;
    UniqueFd fd_;
};

// The caller's own cgroup directory, from the "0::" line of /proc/self/cgroup.
std::string own_cgroup_dir(const V2Mount& mount) {
    std::string path = "/";
    for (const auto& line : split_lines(read_file("/proc/self/cgroup").value_or("")))
        if (line.starts_with("0::")) path = line.substr(3);
    // A mount of a subtree (containers) shows a path relative to the hierarchy's root.
    if (mount.root != "/" && (path == mount.root || path.starts_with(mount.root + "/")))
        path.erase(0, mount.root.size());
    // "/.." means outside our cgroup namespace; empty means the mount root.
    if (path.empty() || path == "/" || path.starts_with("/..")) return mount.mount_point;
    return mount.mount_point + path;
}

bool delegated_to_caller(const std::string& dir) {
    struct stat st;
    return ::stat(dir.c_str(), &st) == 0 && st.st_uid == ::geteuid() && writable(dir) &&
           writable(dir + "/cgroup.subtree_control") && writable(dir + "/cgroup.procs");
}

// The nearest directory from the caller's cgroup up to the mount that was delegated to it.
std::optional<std::string> find_delegated_dir(const V2Mount& mount) {
    for (std::string dir = own_cgroup_dir(mount);; dir = parent_dir(dir)) {
        if (delegated_to_caller(dir)) return dir;
        if (dir.size() <= mount.mount_point.size()) return std::nullopt;
    }
}

std::string join_or_none(const std::vector<std::string>& words) {
    std::string out;
    for (const auto& word : words)
        out += (out.empty() ? "" : " ") + word;
    return out.empty() ? "none" : out;
}

class V2Manager final : public Manager {
public:
    explicit V2Manager(const V2Mount& mount) {
        const std::string uid = std::to_string(::geteuid());
        if (mount.mount_point.empty()) {
            mark_all_unavailable("no cgroup2 filesystem is mounted");
        } else if (::geteuid() == 0) {
            top_ = mount.mount_point;
        } else if (auto dir = find_delegated_dir(mount)) {
            top_ = *dir;
        } else {
            const std::string own = own_cgroup_dir(mount);
            const std::string where =
                own == mount.mount_point
                    ? "cgroup v2 at " + own + " is not"
                    : "no cgroup v2 directory from " + own + " up to " + mount.mount_point + " is";
            mark_all_unavailable(where + " delegated to uid " + uid +
                                 " (rootless sandboxes need a delegated subtree, e.g. run under "
                                 "systemd-run --user -p Delegate=yes)");
        }
        if (!top_.empty()) {
            base_ = top_ + "/soulbox";
            assess_controllers();
        }
        availability_ = make_availability(Version::v2, !top_.empty(), base_, controllers_);
    }

    const Availability& availability() const override { return availability_; }

    Result<std::unique_ptr<Group>> create(std::string_view sandbox_id,
                                          const Limits& limits) override {
        if (auto ok = check_create(sandbox_id, limits, availability_, controllers_); !ok)
            return std::unexpected(ok.error());
        if (auto ok = prepare_base(limits); !ok) return std::unexpected(ok.error());
        const std::string dir = base_ + "/" + std::string(sandbox_id);
        if (::mkdir(dir.c_str(), 0755) != 0)
            return std::unexpected(sys_error("create cgroup " + dir));
        auto group = open_dir(dir);
        Status limited = group ? apply_limits(dir, limits) : Status{};
        if (!group || !limited) {
            ::rmdir(dir.c_str()); // empty and ours: nothing can have joined it yet
            return std::unexpected(group ? limited.error() : group.error());
        }
        return group;
    }

    Result<std::unique_ptr<Group>> open(std::string_view sandbox_id) override {
        if (auto ok = validate_id(sandbox_id); !ok) return std::unexpected(ok.error());
        if (base_.empty())
            return std::unexpected(
                make_error(Errc::unsupported, "cgroups: " + availability_.reason));
        return open_dir(base_ + "/" + std::string(sandbox_id));
    }

    std::vector<std::string> list() const override {
        return base_.empty() ? std::vector<std::string>{} : list_group_dirs(base_);
    }

private:
    void mark_all_unavailable(const std::string& reason) {
        for (auto& state : controllers_)
            state = {false, reason};
    }

    // A controller is usable below top_ if top_ offers it and it is (or may be) enabled in
    // top_'s subtree_control. Only the real root (it has no cgroup.type) may enable
    // controllers while it holds processes.
    void assess_controllers() {
        const std::string offered = read_file(top_ + "/cgroup.controllers").value_or("");
        const std::string enabled = read_file(top_ + "/cgroup.subtree_control").value_or("");
        const bool is_root = !path_exists(top_ + "/cgroup.type");
        const auto procs = read_pids(top_ + "/cgroup.procs");
        const bool has_processes = procs && !procs->empty();
        for (Controller c : all_controllers) {
            const std::string name(controller_name(c));
            ControllerState& state = state_of(controllers_, c);
            if (!contains_word(offered, name)) {
                state.reason = "cgroup v2 at " + top_ + " has no " + name +
                               " controller (available: " + join_or_none(split_words(offered)) +
                               ")";
            } else if (!contains_word(enabled, name) && !is_root && has_processes) {
                state.reason = "cgroup v2 at " + top_ + " cannot enable " + name +
                               " for its children because it has processes itself (the "
                               "no-internal-processes rule); start from a leaf cgroup of a "
                               "delegated subtree";
            } else {
                state.available = true;
            }
        }
    }

    // Creates base_ and enables the available controllers from top_ down to it.
    Status prepare_base(const Limits& limits) {
        if (auto made = make_dir(base_); !made) return std::unexpected(made.error());
        for (const std::string& dir : {top_, base_}) {
            const std::string control = dir + "/cgroup.subtree_control";
            const std::string enabled = read_file(control).value_or("");
            for (Controller c : all_controllers) {
                const std::string name(controller_name(c));
                if (!state_of(controllers_, c).available || contains_word(enabled, name)) continue;
                auto written = write_file(control, "+" + name);
                // Without the controller only a limit that needs it fails; stats just go missing.
                if (!written && limit_requested(limits, c)) {
                    Error error = written.error();
                    error.code = Errc::limit_unenforceable;
                    error.context(name + " limit: cgroup v2 cannot enable the " + name +
                                  " controller");
                    return std::unexpected(std::move(error));
                }
            }
        }
        return {};
    }

    static Status apply_limits(const std::string& dir, const Limits& limits) {
        if (limits.memory_bytes != 0) {
            const std::string value = std::to_string(limits.memory_bytes);
            if (auto ok = write_limit(Controller::memory, dir + "/memory.max", value); !ok)
                return ok;
            // Swap would let the sandbox use more memory than it was given.
            const std::string swap = dir + "/memory.swap.max";
            if (path_exists(swap))
                if (auto ok = write_limit(Controller::memory, swap, "0"); !ok) return ok;
        }
        if (limits.pids != 0)
            if (auto ok =
                    write_limit(Controller::pids, dir + "/pids.max", std::to_string(limits.pids));
                !ok)
                return ok;
        if (limits.cpus != 0) {
            const std::string value =
                std::to_string(cpu_quota_us(limits.cpus)) + " " + std::to_string(cpu_period_us);
            if (auto ok = write_limit(Controller::cpu, dir + "/cpu.max", value); !ok) return ok;
        }
        return {};
    }

    static Result<std::unique_ptr<Group>> open_dir(const std::string& dir) {
        UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (!fd) return std::unexpected(sys_error("open cgroup " + dir));
        return std::make_unique<V2Group>(dir, std::move(fd));
    }

    std::string top_;  // highest directory we change: mount root (root) or delegated dir
    std::string base_; // top_/soulbox, parent of every sandbox group
    ControllerStates controllers_;
    Availability availability_;
};

} // namespace

std::unique_ptr<Manager> make_v2_manager(const V2Mount& mount) {
    return std::make_unique<V2Manager>(mount);
}

} // namespace soulbox::cgroup
