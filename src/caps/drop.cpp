#include "caps/drop.hpp"

#include <cerrno>
#include <grp.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <unistd.h>

namespace soulbox::caps {

Status empty_bounding_set() {
    // Only the kernel's own caps exist; cap_max_bits() asks it how many there are.
    for (cap_value_t cap = 0; cap < static_cast<cap_value_t>(cap_max_bits()); ++cap)
        if (cap_drop_bound(cap) != 0) return std::unexpected(sys_error("drop bounding capability"));
    return {};
}

Status become_unprivileged(uid_t uid, gid_t gid) {
    if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0)
        return std::unexpected(sys_error("clear ambient capabilities"));
    // Rootless namespaces deny setgroups (only one id is mapped); there are no groups to drop.
    if (::setgroups(0, nullptr) != 0 && errno != EPERM)
        return std::unexpected(sys_error("setgroups"));
    if (::setresgid(gid, gid, gid) != 0) return std::unexpected(sys_error("setresgid"));
    if (::setresuid(uid, uid, uid) != 0) return std::unexpected(sys_error("setresuid"));
    cap_t none = cap_init(); // all flags clear
    if (!none) return std::unexpected(sys_error("cap_init"));
    int rc = cap_set_proc(none);
    cap_free(none);
    if (rc != 0) return std::unexpected(sys_error("clear capabilities"));
    return {};
}

} // namespace soulbox::caps
