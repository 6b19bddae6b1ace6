// Acting as a sandbox user for one file operation: the agent (PID 1, root or holding every
// capability in its namespace) takes the user's file-system ids so the kernel checks
// permissions exactly as for that user's own processes, and new files belong to the user.
#pragma once

#include "soulbox/error.hpp"

#include <linux/capability.h>
#include <sys/types.h>

namespace soulbox::agent {

struct FsIds {
    uid_t uid = 0;
    gid_t gid = 0;
};

// setfsgid/setfsuid for the scope, restored on destruction. For a non-root user the
// capabilities that bypass file permissions (DAC override, fowner, ...) are also taken out of
// the effective set: the kernel does that itself when fsuid leaves 0, but a rootless agent is
// uid 1000 already and keeps them. File-system ids and capabilities belong to the calling
// thread (raw setfsuid/setfsgid/capset; glibc's setuid family would change every thread), so
// the switch covers this thread's operation and nothing the agent's other thread does.
class FsIdentityScope {
public:
    explicit FsIdentityScope(FsIds ids);
    ~FsIdentityScope();
    FsIdentityScope(const FsIdentityScope&) = delete;
    FsIdentityScope& operator=(const FsIdentityScope&) = delete;

private:
    uid_t old_uid_;
    gid_t old_gid_;
    bool restore_caps_ = false;
    __user_cap_data_struct saved_caps_[2]{};
};

} // namespace soulbox::agent
