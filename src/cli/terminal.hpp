// The CLI's own terminal, for `soulbox shell`: its size and raw mode.
#pragma once

#include "soulbox/soulbox.hpp"

#include <mutex>
#include <termios.h>

namespace soulbox::cli {

// The size of the terminal on `fd` (TIOCGWINSZ), or 24x80 when it is not a terminal or
// reports no size (some emulators and serial lines say 0x0).
PtySize terminal_size(int fd);

// Puts a terminal in raw mode and puts it back. Keystrokes (Ctrl-C, Ctrl-Z, ...) then reach
// the program in the sandbox as bytes instead of signalling this process. restore() may run on
// any thread (the signal watcher calls it), any number of times.
class RawMode {
public:
    RawMode() = default;
    RawMode(const RawMode&) = delete;
    RawMode& operator=(const RawMode&) = delete;
    ~RawMode() { restore(); }

    // False (with errno) if `fd` is not a terminal or its mode cannot be changed.
    bool enter(int fd);
    void restore();

private:
    std::mutex mutex_;
    int fd_ = -1; // -1 while the terminal is in its original mode
    termios saved_{};
};

} // namespace soulbox::cli
