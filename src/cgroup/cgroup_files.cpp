#include "cgroup/cgroup_files.hpp"

#include "core/unique_fd.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <csignal>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

namespace soulbox::cgroup {

namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\n' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

template <class T> bool parse_number(std::string_view s, T& out) {
    s = trim(s);
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc{} && end == s.data() + s.size() && !s.empty();
}

Error parse_error(const std::string& path, std::string_view what) {
    return make_error(Errc::io, "unexpected content in " + path + ": " + std::string(what));
}

} // namespace

Result<std::string> read_file(const std::string& path) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return std::unexpected(sys_error("open " + path));
    std::string out;
    char buf[4096];
    for (;;) {
        ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return std::unexpected(sys_error("read " + path));
        if (n == 0) return out;
        out.append(buf, static_cast<std::size_t>(n));
    }
}

Status write_file(const std::string& path, std::string_view value) {
    const std::string what = "write \"" + std::string(value) + "\" to " + path;
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd) return std::unexpected(sys_error(what));
    ssize_t n;
    do
        n = ::write(fd.get(), value.data(), value.size());
    while (n < 0 && errno == EINTR);
    if (n < 0) return std::unexpected(sys_error(what));
    if (static_cast<std::size_t>(n) != value.size())
        return std::unexpected(make_error(Errc::io, what + ": short write"));
    return {};
}

Result<std::uint64_t> read_number(const std::string& path) {
    auto text = read_file(path);
    if (!text) return std::unexpected(text.error());
    std::uint64_t value = 0;
    if (!parse_number(*text, value)) return std::unexpected(parse_error(path, trim(*text)));
    return value;
}

Result<std::uint64_t> read_keyed(const std::string& path, std::string_view key) {
    auto text = read_file(path);
    if (!text) return std::unexpected(text.error());
    for (std::string_view line : split_lines(*text)) {
        if (line.starts_with(key) && line.size() > key.size() && line[key.size()] == ' ') {
            std::uint64_t value = 0;
            if (!parse_number(line.substr(key.size() + 1), value))
                return std::unexpected(parse_error(path, line));
            return value;
        }
    }
    return std::unexpected(parse_error(path, "no \"" + std::string(key) + "\" line"));
}

Result<std::vector<pid_t>> read_pids(const std::string& procs_file) {
    auto text = read_file(procs_file);
    if (!text) return std::unexpected(text.error());
    std::vector<pid_t> pids;
    for (const auto& word : split_words(*text)) {
        pid_t pid = 0;
        if (!parse_number(word, pid)) return std::unexpected(parse_error(procs_file, word));
        pids.push_back(pid);
    }
    return pids;
}

bool path_exists(const std::string& path) {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0;
}

bool writable(const std::string& path) {
    return ::faccessat(AT_FDCWD, path.c_str(), W_OK, AT_EACCESS) == 0;
}

std::vector<std::string> split_words(std::string_view text) {
    std::vector<std::string> words;
    std::size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && (text[i] == ' ' || text[i] == '\n' || text[i] == '\t'))
            ++i;
        std::size_t start = i;
        while (i < text.size() && text[i] != ' ' && text[i] != '\n' && text[i] != '\t')
            ++i;
        if (i > start) words.emplace_back(text.substr(start, i - start));
    }
    return words;
}

std::vector<std::string> split_lines(std::string_view text) {
    std::vector<std::string> lines;
    while (!text.empty()) {
        const auto eol = text.find('\n');
        lines.emplace_back(text.substr(0, eol));
        text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
    }
    return lines;
}

bool contains_word(std::string_view text, std::string_view word) {
    auto words = split_words(text);
    return std::find(words.begin(), words.end(), word) != words.end();
}

std::string parent_dir(const std::string& path) {
    const auto slash = path.rfind('/');
    if (slash == std::string::npos) return ".";
    return slash == 0 ? "/" : path.substr(0, slash);
}

Result<bool> make_dir(const std::string& path) {
    if (::mkdir(path.c_str(), 0755) == 0) return true;
    if (errno == EEXIST) return false;
    return std::unexpected(sys_error("create cgroup " + path));
}

std::vector<std::string> list_group_dirs(const std::string& dir) {
    std::vector<std::string> ids;
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) return ids;
    while (const dirent* entry = ::readdir(d)) {
        if (entry->d_type == DT_DIR && validate_id(entry->d_name)) ids.emplace_back(entry->d_name);
    }
    ::closedir(d);
    std::sort(ids.begin(), ids.end());
    return ids;
}

Status validate_id(std::string_view id) {
    const bool ok_chars = std::all_of(id.begin(), id.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    });
    if (id.empty() || id.size() > 64 || !ok_chars)
        return std::unexpected(
            make_error(Errc::invalid_argument, "invalid sandbox id \"" + std::string(id) +
                                                   "\" (use 1-64 characters of [a-z0-9-])"));
    return {};
}

Status validate_limits(const Limits& limits) {
    // Upper bound keeps cpus * period far from overflow; no host has a million cores.
    if (!std::isfinite(limits.cpus) || limits.cpus < 0 || limits.cpus > 1e6)
        return std::unexpected(make_error(Errc::invalid_argument,
                                          "cpu limit must be a number of cores in [0, 1e6], got " +
                                              std::to_string(limits.cpus)));
    return {};
}

std::uint64_t cpu_quota_us(double cpus) {
    const auto quota = static_cast<std::uint64_t>(std::llround(cpus * cpu_period_us));
    return std::max<std::uint64_t>(quota, 1000);
}

std::string_view controller_name(Controller c) {
    switch (c) {
    case Controller::memory:
        return "memory";
    case Controller::pids:
        return "pids";
    case Controller::cpu:
        return "cpu";
    }
    return "?";
}

bool limit_requested(const Limits& limits, Controller c) {
    switch (c) {
    case Controller::memory:
        return limits.memory_bytes != 0;
    case Controller::pids:
        return limits.pids != 0;
    case Controller::cpu:
        return limits.cpus != 0;
    }
    return false;
}

Status check_limits(const Limits& limits, const ControllerStates& states) {
    for (Controller c : all_controllers) {
        const ControllerState& state = state_of(states, c);
        if (limit_requested(limits, c) && !state.available)
            return std::unexpected(
                make_error(Errc::limit_unenforceable,
                           std::string(controller_name(c)) + " limit: " + state.reason));
    }
    return {};
}

Status write_limit(Controller c, const std::string& path, std::string_view value) {
    auto written = write_file(path, value);
    if (written) return {};
    Error error = written.error();
    if (error.sys_errno == EACCES || error.sys_errno == EPERM || error.sys_errno == ENOENT)
        error.code = Errc::limit_unenforceable;
    error.context(std::string(controller_name(c)) + " limit");
    return std::unexpected(std::move(error));
}

Availability make_availability(Version version, bool usable, std::string base_path,
                               const ControllerStates& states) {
    Availability a;
    a.version = version;
    a.usable = usable;
    a.base_path = std::move(base_path);
    a.memory = state_of(states, Controller::memory).available;
    a.pids = state_of(states, Controller::pids).available;
    a.cpu = state_of(states, Controller::cpu).available;
    for (Controller c : all_controllers) {
        const ControllerState& state = state_of(states, c);
        if (state.available || a.reason.find(state.reason) != std::string::npos) continue;
        if (!a.reason.empty()) a.reason += "; ";
        a.reason += state.reason;
    }
    return a;
}

Status check_create(std::string_view id, const Limits& limits, const Availability& availability,
                    const ControllerStates& states) {
    if (auto ok = validate_id(id); !ok) return ok;
    if (auto ok = validate_limits(limits); !ok) return ok;
    if (auto ok = check_limits(limits, states); !ok) return ok;
    if (!availability.usable)
        return std::unexpected(make_error(Errc::unsupported, "cgroups: " + availability.reason));
    return {};
}

Error no_memory_controller(const std::string& group) {
    return make_error(Errc::unsupported, "cgroup " + group + " has no memory controller");
}

void sleep_wait(std::chrono::milliseconds timeout) {
    std::this_thread::sleep_for(timeout);
}

namespace {

// Backoff between checks: short at first since killed tasks usually exit within a millisecond.
std::chrono::milliseconds next_pause(std::chrono::milliseconds pause) {
    return std::min(pause * 2, std::chrono::milliseconds(50));
}

Status signal_all(const std::string& procs_file) {
    auto pids = read_pids(procs_file);
    if (!pids) return std::unexpected(pids.error());
    for (pid_t pid : *pids)
        ::kill(pid, SIGKILL); // ESRCH: it exited meanwhile
    return {};
}

} // namespace

Status kill_all_in(const std::string& procs_file, const FreezeControl& freeze,
                   const WaitForChange& wait) {
    // A frozen group cannot fork while we read and signal it. v1 frozen tasks only act on SIGKILL
    // once thawed, so signal then thaw before waiting.
    if (!freeze.file.empty() && path_exists(freeze.file) &&
        write_file(freeze.file, freeze.freeze_value)) {
        auto signalled = signal_all(procs_file);
        auto thawed = write_file(freeze.file, freeze.thaw_value);
        if (!signalled) return signalled;
        if (!thawed) return thawed;
    }
    const auto deadline = Clock::now() + teardown_bound;
    std::chrono::milliseconds pause{1};
    for (;;) {
        auto pids = read_pids(procs_file);
        if (!pids && pids.error().sys_errno == ENOENT) return {}; // group already removed
        if (!pids) return std::unexpected(pids.error());
        if (pids->empty()) return {};
        if (Clock::now() >= deadline)
            return std::unexpected(Error{Errc::timeout, 0,
                                         "kill processes in " + procs_file + ": " +
                                             std::to_string(pids->size()) +
                                             " still present after 2 s"});
        for (pid_t pid : *pids)
            ::kill(pid, SIGKILL);
        wait(pause);
        pause = next_pause(pause);
    }
}

Status remove_group_dir(const std::string& dir, Clock::time_point deadline,
                        const WaitForChange& wait) {
    std::chrono::milliseconds pause{1};
    for (;;) {
        if (::rmdir(dir.c_str()) == 0 || errno == ENOENT) return {};
        if (errno != EBUSY) return std::unexpected(sys_error("remove cgroup " + dir));
        const auto now = Clock::now();
        if (now >= deadline)
            return std::unexpected(
                Error{Errc::timeout, EBUSY,
                      "remove cgroup " + dir +
                          ": still in use after 2 s (are its processes killed and gone?)"});
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - now);
        wait(std::min(pause, left));
        pause = next_pause(pause);
    }
}

} // namespace soulbox::cgroup
