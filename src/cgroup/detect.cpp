// Picks the cgroup backend from what /proc/self/mountinfo shows, never from assumed paths.
#include "cgroup/backends.hpp"
#include "cgroup/cgroup_files.hpp"

#include <cstdlib>

namespace soulbox::cgroup {

namespace {

// mountinfo escapes space, tab, newline and backslash in paths as \ooo (octal).
std::string unescape(std::string_view field) {
    auto is_octal = [](char c) { return c >= '0' && c <= '7'; };
    std::string out;
    for (std::size_t i = 0; i < field.size(); ++i) {
        if (field[i] == '\\' && i + 3 < field.size() && is_octal(field[i + 1]) &&
            is_octal(field[i + 2]) && is_octal(field[i + 3])) {
            out += static_cast<char>((field[i + 1] - '0') * 64 + (field[i + 2] - '0') * 8 +
                                     (field[i + 3] - '0'));
            i += 3;
        } else {
            out += field[i];
        }
    }
    return out;
}

bool has_option(std::string_view options, std::string_view name) {
    while (!options.empty()) {
        const auto comma = options.find(',');
        if (options.substr(0, comma) == name) return true;
        options = comma == std::string_view::npos ? std::string_view{} : options.substr(comma + 1);
    }
    return false;
}

struct Mounts {
    V1Hierarchies v1;
    V2Mount v2;
};

// Line format: id parent major:minor root mount-point options [optional...] - fstype source
// super-options. The first mount of each hierarchy wins (later ones are usually bind mounts).
Mounts read_cgroup_mounts() {
    Mounts mounts;
    for (const auto& line : split_lines(read_file("/proc/self/mountinfo").value_or(""))) {
        const auto fields = split_words(line);
        std::size_t dash = 6;
        while (dash < fields.size() && fields[dash] != "-")
            ++dash;
        if (dash + 3 >= fields.size()) continue;
        const std::string& fs_type = fields[dash + 1];
        const std::string& super_options = fields[dash + 3];
        if (fs_type == "cgroup2" && mounts.v2.mount_point.empty()) {
            mounts.v2 = {unescape(fields[4]), unescape(fields[3])};
        } else if (fs_type == "cgroup") {
            for (auto [name, field] :
                 {std::pair{"memory", &V1Hierarchies::memory},
                  std::pair{"pids", &V1Hierarchies::pids}, std::pair{"cpu", &V1Hierarchies::cpu},
                  std::pair{"freezer", &V1Hierarchies::freezer}}) {
                std::string& mount = mounts.v1.*field;
                if (mount.empty() && has_option(super_options, name)) mount = unescape(fields[4]);
            }
        }
    }
    return mounts;
}

} // namespace

std::unique_ptr<Manager> detect_manager(std::string_view force) {
    const Mounts mounts = read_cgroup_mounts();
    if (force == "v1") return make_v1_manager(mounts.v1);
    if (force == "v2") return make_v2_manager(mounts.v2);

    // Count the controllers we need that each side provides. A controller is bound to one
    // hierarchy at a time, so hybrid hosts have them on v1 and an empty unified mount.
    int on_v1 = 0;
    int on_v2 = 0;
    const std::string v2_offered =
        mounts.v2.mount_point.empty()
            ? ""
            : read_file(mounts.v2.mount_point + "/cgroup.controllers").value_or("");
    for (Controller c : all_controllers) {
        on_v2 += contains_word(v2_offered, controller_name(c)) ? 1 : 0;
    }
    for (const std::string* mount : {&mounts.v1.memory, &mounts.v1.pids, &mounts.v1.cpu})
        on_v1 += mount->empty() ? 0 : 1;

    const bool has_v2 = !mounts.v2.mount_point.empty();
    if (has_v2 && (on_v1 == 0 || (on_v2 > 0 && on_v2 >= on_v1))) return make_v2_manager(mounts.v2);
    if (on_v1 > 0) return make_v1_manager(mounts.v1);
    return make_v2_manager(mounts.v2); // nothing mounted: an unusable manager that says so
}

} // namespace soulbox::cgroup
