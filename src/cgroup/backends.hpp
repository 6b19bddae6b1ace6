// Constructors of the two backends, called by detect_manager() with what it found mounted.
#pragma once

#include "cgroup/cgroup.hpp"

#include <memory>
#include <string>

namespace soulbox::cgroup {

// One directory per v1 controller we use (mount points, or a group's directories); "" when absent.
struct V1Hierarchies {
    std::string memory;
    std::string pids;
    std::string cpu; // may be a co-mounted "cpu,cpuacct" hierarchy
    std::string freezer;
};

struct V2Mount {
    std::string mount_point; // "" when no cgroup2 filesystem is mounted
    std::string root;        // the mount's root inside the hierarchy (mountinfo field 4)
};

std::unique_ptr<Manager> make_v1_manager(const V1Hierarchies& mounts);
std::unique_ptr<Manager> make_v2_manager(const V2Mount& mount);

} // namespace soulbox::cgroup
