#include "sandbox/agent_image.hpp"

#include "core/unique_fd.hpp"

#include <cerrno>
#include <fcntl.h>
#include <mutex>
#include <sys/mman.h>
#include <unistd.h>

extern "C" const unsigned char soulbox_agent_image[];
extern "C" const unsigned char soulbox_agent_image_end[];

namespace soulbox::sandbox {
namespace {

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

Result<UniqueFd> make_agent_memfd() {
    // Kernels with vm.memfd_noexec want MFD_EXEC stated; older ones reject the flag.
    UniqueFd fd(::memfd_create("soulbox-agent", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC));
    if (!fd && errno == EINVAL)
        fd.reset(::memfd_create("soulbox-agent", MFD_CLOEXEC | MFD_ALLOW_SEALING));
    if (!fd) return std::unexpected(sys_error("memfd_create for agent"));
    const unsigned char* p = soulbox_agent_image;
    std::size_t left = static_cast<std::size_t>(soulbox_agent_image_end - soulbox_agent_image);
    while (left > 0) {
        ssize_t n = ::write(fd.get(), p, left);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return std::unexpected(sys_error("write agent image"));
        p += n;
        left -= static_cast<std::size_t>(n);
    }
    if (::fcntl(fd.get(), F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) !=
        0)
        return std::unexpected(sys_error("seal agent memfd"));
    return fd;
}

} // namespace

Result<int> agent_memfd() {
    static std::once_flag once;
    static Result<UniqueFd> image = std::unexpected(make_error(Errc::internal, "unset"));
    std::call_once(once, [] { image = make_agent_memfd(); });
    if (!image) return std::unexpected(image.error());
    return image->get();
}

} // namespace soulbox::sandbox
