#include "caps/drop.hpp"

#include <cerrno>
#include <grp.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <unistd.h>

namespace soulbox::caps {

Status become_unprivileged(uid_t uid, gid_t gid) {
    // The bounding set can only shrink while we still hold CAP_SETPCAP, so it goes first.
    for (int cap = 0; cap <= CAP_LAST_CAP; ++cap)
        if (cap_drop_bound(static_cast<cap_value_t>(cap)) != 0 && errno != EINVAL)
            return std::unexpected(sys_error("drop bounding capability"));
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
