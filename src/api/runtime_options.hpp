// How a soulbox::Runtime is configured. Everything left empty takes the default, which is what
// the environment says for the default runtime (SOULBOX_STATE_DIR, SOULBOX_CGROUP, SOULBOX_IO).
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace soulbox {

enum class LogLevel { debug, info, warning, error };

// Called from any library thread, also the event loop: keep it short and do not call SoulBox
// from it.
using LogHook = std::function<void(LogLevel level, std::string_view message)>;

struct RuntimeOptions {
    // Where sandbox state lives. Default: /run/soulbox for root, else
    // $XDG_RUNTIME_DIR/soulbox, else /tmp/soulbox-<uid>.
    std::string state_dir;
    std::string cgroup = "auto"; // "auto", "v1" or "v2"
    std::string io = "auto";     // "auto" (io_uring, else epoll) or "epoll"
    LogHook log;

    // The options of the default runtime: the defaults above overridden by SOULBOX_STATE_DIR,
    // SOULBOX_CGROUP and SOULBOX_IO.
    static RuntimeOptions from_environment();
};

} // namespace soulbox
