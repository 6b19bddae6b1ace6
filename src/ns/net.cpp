#include "ns/net.hpp"

#include "core/unique_fd.hpp"

#include <cstring>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

namespace soulbox::ns {

Status bring_up_loopback() {
    UniqueFd sock(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!sock) return std::unexpected(sys_error("socket for loopback setup"));
    ifreq req{};
    std::strncpy(req.ifr_name, "lo", IFNAMSIZ - 1);
    if (::ioctl(sock.get(), SIOCGIFFLAGS, &req) != 0)
        return std::unexpected(sys_error("get loopback flags"));
    req.ifr_flags |= IFF_UP | IFF_RUNNING;
    if (::ioctl(sock.get(), SIOCSIFFLAGS, &req) != 0)
        return std::unexpected(sys_error("bring up loopback"));
    return {};
}

} // namespace soulbox::ns
