// cgroup v1: one directory per controller hierarchy, <mount>/soulbox/<id>, for memory, pids, cpu
// and freezer (used to stop forks while killing). A co-mounted hierarchy gets one directory.
#include "cgroup/backends.hpp"
#include "cgroup/cgroup_files.hpp"

#include <algorithm>
#include <sys/stat.h>
#include <unistd.h>

namespace soulbox::cgroup {

namespace {

// Appends `suffix` to each present directory.
V1Hierarchies with_suffix(const V1Hierarchies& dirs, const std::string& suffix) {
    auto add = [&](const std::string& dir) { return dir.empty() ? dir : dir + suffix; };
    return {add(dirs.memory), add(dirs.pids), add(dirs.cpu), add(dirs.freezer)};
}

// Present directories without repeats (co-mounted controllers share one).
std::vector<std::string> unique_dirs(const V1Hierarchies& dirs) {
    std::vector<std::string> out;
    for (const std::string* dir : {&dirs.memory, &dirs.pids, &dirs.cpu, &dirs.freezer})
        if (!dir->empty() && std::find(out.begin(), out.end(), *dir) == out.end())
            out.push_back(*dir);
    return out;
}

// The V1Hierarchies field that holds controller `c`'s directory.
std::string V1Hierarchies::*field_of(Controller c) {
    switch (c) {
    case Controller::memory:
        return &V1Hierarchies::memory;
    case Controller::pids:
        return &V1Hierarchies::pids;
    case Controller::cpu:
        return &V1Hierarchies::cpu;
    }
    return &V1Hierarchies::memory;
}

class V1Group final : public Group {
public:
    explicit V1Group(V1Hierarchies dirs) : dirs_(std::move(dirs)) {}

    Version version() const override { return Version::v1; }
    std::string path() const override { return unique_dirs(dirs_).front(); }
    int clone_fd() const override { return -1; }

    Status add_process(pid_t pid) override {
        for (const auto& dir : unique_dirs(dirs_))
            if (auto ok = write_file(dir + "/cgroup.procs", std::to_string(pid)); !ok) return ok;
        return {};
    }

    Result<std::uint64_t> oom_kill_count() const override {
        if (dirs_.memory.empty()) return std::unexpected(no_memory_controller(path()));
        return read_keyed(dirs_.memory + "/memory.oom_control", "oom_kill");
    }

    Result<std::uint64_t> memory_current() const override {
        if (dirs_.memory.empty()) return std::unexpected(no_memory_controller(path()));
        return read_number(dirs_.memory + "/memory.usage_in_bytes");
    }

    Status kill_all() override {
        // Every hierarchy holds the same processes; pids (or memory) is the one always present.
        const std::string procs_dir = !dirs_.pids.empty() ? dirs_.pids : path();
        FreezeControl freeze;
        if (!dirs_.freezer.empty()) freeze = {dirs_.freezer + "/freezer.state", "FROZEN", "THAWED"};
        return kill_all_in(procs_dir + "/cgroup.procs", freeze, sleep_wait);
    }

    Status destroy() override {
        // v1 has no "populated" notification, so EBUSY retries sleep briefly.
        const auto deadline = Clock::now() + teardown_bound;
        Status result;
        for (const auto& dir : unique_dirs(dirs_)) {
            auto removed = remove_group_dir(dir, deadline, sleep_wait);
            if (!removed && result) result = removed;
        }
        return result;
    }

private:
    V1Hierarchies dirs_;
};

class V1Manager final : public Manager {
public:
    explicit V1Manager(const V1Hierarchies& mounts) {
        const std::string uid = std::to_string(::geteuid());
        // Usable if our soulbox/ directory, or the mount where we would create it, is writable.
        auto usable_mount = [](const std::string& mount) {
            const std::string base = mount + "/soulbox";
            return path_exists(base) ? writable(base) : writable(mount);
        };
        for (Controller c : all_controllers) {
            const std::string name(controller_name(c));
            const std::string& mount = mounts.*field_of(c);
            ControllerState& state = state_of(controllers_, c);
            if (mount.empty()) {
                state.reason = "cgroup v1 " + name + " controller is not mounted";
            } else if (!usable_mount(mount)) {
                state.reason = "cgroup v1 hierarchy at " + mount + " is not writable by uid " +
                               uid +
                               " (rootless sandboxes need a delegated cgroup v2 subtree, e.g. "
                               "systemd user@ delegation)";
            } else {
                state.available = true;
                bases_.*field_of(c) = mount + "/soulbox";
            }
        }
        // The freezer only helps kill_all; without it we kill without freezing.
        if (!mounts.freezer.empty() && usable_mount(mounts.freezer))
            bases_.freezer = mounts.freezer + "/soulbox";
        const bool usable = std::any_of(controllers_.begin(), controllers_.end(),
                                        [](const ControllerState& s) { return s.available; });
        std::string base_path = mounts.memory.empty() ? list_dir() : mounts.memory + "/soulbox";
        availability_ = make_availability(Version::v1, usable, base_path, controllers_);
    }

    const Availability& availability() const override { return availability_; }

    Result<std::unique_ptr<Group>> create(std::string_view sandbox_id,
                                          const Limits& limits) override {
        if (auto ok = check_create(sandbox_id, limits, availability_, controllers_); !ok)
            return std::unexpected(ok.error());
        const V1Hierarchies dirs = with_suffix(bases_, "/" + std::string(sandbox_id));
        std::vector<std::string> created;
        auto undo = [&created](Error error) -> Result<std::unique_ptr<Group>> {
            // Empty and ours: nothing can have joined them yet.
            for (auto it = created.rbegin(); it != created.rend(); ++it)
                ::rmdir(it->c_str());
            return std::unexpected(std::move(error));
        };
        for (const auto& dir : unique_dirs(dirs)) {
            if (auto made = make_dir(parent_dir(dir)); !made) return undo(made.error());
            if (::mkdir(dir.c_str(), 0755) != 0) return undo(sys_error("create cgroup " + dir));
            created.push_back(dir);
        }
        if (auto ok = apply_limits(dirs, limits); !ok) return undo(ok.error());
        return std::make_unique<V1Group>(dirs);
    }

    Result<std::unique_ptr<Group>> open(std::string_view sandbox_id) override {
        if (auto ok = validate_id(sandbox_id); !ok) return std::unexpected(ok.error());
        V1Hierarchies dirs = with_suffix(bases_, "/" + std::string(sandbox_id));
        for (std::string* dir : {&dirs.memory, &dirs.pids, &dirs.cpu, &dirs.freezer})
            if (!dir->empty() && !path_exists(*dir)) dir->clear();
        if (unique_dirs(dirs).empty())
            return std::unexpected(make_error(Errc::not_found, "no cgroup for sandbox \"" +
                                                                   std::string(sandbox_id) + "\""));
        return std::make_unique<V1Group>(dirs);
    }

    std::vector<std::string> list() const override {
        const std::string dir = list_dir();
        return dir.empty() ? std::vector<std::string>{} : list_group_dirs(dir);
    }

private:
    // Where list() looks: the memory hierarchy's soulbox/ (else the first one we use).
    std::string list_dir() const {
        const auto present = unique_dirs(bases_);
        return present.empty() ? "" : present.front();
    }

    static Status apply_limits(const V1Hierarchies& dirs, const Limits& limits) {
        if (limits.memory_bytes != 0) {
            const std::string value = std::to_string(limits.memory_bytes);
            if (auto ok =
                    write_limit(Controller::memory, dirs.memory + "/memory.limit_in_bytes", value);
                !ok)
                return ok;
            // memory+swap gets the same cap, so swap cannot extend the limit.
            const std::string memsw = dirs.memory + "/memory.memsw.limit_in_bytes";
            if (path_exists(memsw))
                if (auto ok = write_limit(Controller::memory, memsw, value); !ok) return ok;
        }
        if (limits.pids != 0)
            if (auto ok = write_limit(Controller::pids, dirs.pids + "/pids.max",
                                      std::to_string(limits.pids));
                !ok)
                return ok;
        if (limits.cpus != 0) {
            if (auto ok = write_limit(Controller::cpu, dirs.cpu + "/cpu.cfs_period_us",
                                      std::to_string(cpu_period_us));
                !ok)
                return ok;
            if (auto ok = write_limit(Controller::cpu, dirs.cpu + "/cpu.cfs_quota_us",
                                      std::to_string(cpu_quota_us(limits.cpus)));
                !ok)
                return ok;
        }
        return {};
    }

    V1Hierarchies bases_; // <mount>/soulbox for each usable hierarchy
    ControllerStates controllers_;
    Availability availability_;
};

} // namespace

std::unique_ptr<Manager> make_v1_manager(const V1Hierarchies& mounts) {
    return std::make_unique<V1Manager>(mounts);
}

} // namespace soulbox::cgroup
