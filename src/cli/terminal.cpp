#include "cli/terminal.hpp"

#include <cerrno>
#include <sys/ioctl.h>
#include <unistd.h>

namespace soulbox::cli {

PtySize terminal_size(int fd) {
    winsize size{};
    if (::ioctl(fd, TIOCGWINSZ, &size) != 0 || size.ws_row == 0 || size.ws_col == 0) return {};
    return PtySize{size.ws_row, size.ws_col};
}

bool RawMode::enter(int fd) {
    std::lock_guard lock(mutex_);
    if (fd_ >= 0) return true;
    if (::tcgetattr(fd, &saved_) != 0) return false;
    termios raw = saved_;
    ::cfmakeraw(&raw);
    // TCSADRAIN: output already written is shown in the old mode, as ssh does.
    while (::tcsetattr(fd, TCSADRAIN, &raw) != 0)
        if (errno != EINTR) return false;
    fd_ = fd;
    return true;
}

void RawMode::restore() {
    std::lock_guard lock(mutex_);
    if (fd_ < 0) return;
    while (::tcsetattr(fd_, TCSADRAIN, &saved_) != 0 && errno == EINTR) {
    }
    fd_ = -1;
}

} // namespace soulbox::cli
