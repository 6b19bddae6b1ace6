#include "cli/console.hpp"

#include <cerrno>
#include <poll.h>
#include <string>
#include <unistd.h>

namespace soulbox::cli {

bool write_all(int fd, std::string_view data) {
    while (!data.empty()) {
        ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            // Our stdout may be a non-blocking descriptor shared with another program.
            pollfd p{fd, POLLOUT, 0};
            ::poll(&p, 1, -1);
            continue;
        }
        if (n < 0) return false;
        data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

void print_error(std::string_view message) {
    std::string line = "soulbox: ";
    for (char c : message)
        line += (c == '\n' || c == '\r') ? ' ' : c;
    line += '\n';
    (void)write_all(STDERR_FILENO, line);
}

int report(std::string_view doing, const Error& error) {
    std::string text = error.describe();
    std::string prefix = std::string(doing) + ":";
    if (!doing.empty() && !text.starts_with(prefix)) text.insert(0, prefix + " ");
    print_error(text);
    return kExitFailure;
}

} // namespace soulbox::cli
