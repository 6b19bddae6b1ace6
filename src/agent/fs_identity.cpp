#include "agent/fs_identity.hpp"

#include <sys/syscall.h>
#include <unistd.h>

namespace soulbox::agent {
namespace {

// What the kernel drops from the effective set when fsuid changes from 0 (capabilities(7)).
constexpr int kFsCapabilities[] = {CAP_CHOWN,  CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH,
                                   CAP_FOWNER, CAP_FSETID,       CAP_LINUX_IMMUTABLE,
                                   CAP_MKNOD,  CAP_MAC_OVERRIDE};

// The raw system calls act on the calling thread only, which is what a scope on one thread needs.
// They return the previous id whatever happens; -1 only reads it.
unsigned set_fs_uid(uid_t uid) {
    return static_cast<unsigned>(::syscall(SYS_setfsuid, uid));
}
unsigned set_fs_gid(gid_t gid) {
    return static_cast<unsigned>(::syscall(SYS_setfsgid, gid));
}

} // namespace

FsIdentityScope::FsIdentityScope(FsIds ids) {
    old_gid_ = static_cast<gid_t>(set_fs_gid(static_cast<gid_t>(-1)));
    old_uid_ = static_cast<uid_t>(set_fs_uid(static_cast<uid_t>(-1)));
    set_fs_gid(ids.gid);
    set_fs_uid(ids.uid);
    if (ids.uid == 0) return;
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    if (::syscall(SYS_capget, &header, saved_caps_) != 0) return;
    __user_cap_data_struct reduced[2] = {saved_caps_[0], saved_caps_[1]};
    for (int cap : kFsCapabilities)
        reduced[cap / 32].effective &= ~(1u << (cap % 32));
    restore_caps_ = ::syscall(SYS_capset, &header, reduced) == 0;
}

FsIdentityScope::~FsIdentityScope() {
    if (restore_caps_) {
        __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
        ::syscall(SYS_capset, &header, saved_caps_);
    }
    set_fs_uid(old_uid_);
    set_fs_gid(old_gid_);
}

} // namespace soulbox::agent
