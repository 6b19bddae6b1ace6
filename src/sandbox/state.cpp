#include "sandbox/state.hpp"

#include "core/json_writer.hpp"
#include "core/unique_fd.hpp"
#include "ns/userns.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <simdjson.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

namespace soulbox::sandbox {
namespace {

Status ensure_private_dir(const std::string& path) {
    if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST)
        return std::unexpected(sys_error("create state directory " + path));
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) return std::unexpected(sys_error("stat " + path));
    // A directory someone else owns (or a symlink) in a shared place like /tmp is an attack.
    if (!S_ISDIR(st.st_mode) || st.st_uid != ::geteuid() || (st.st_mode & 077) != 0)
        return std::unexpected(make_error(Errc::permission_denied,
                                          "state directory " + path +
                                              " must be a directory owned by uid " +
                                              std::to_string(::geteuid()) + " with mode 0700"));
    return {};
}

std::string read_file(const std::string& path) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!fd) return {};
    std::string out;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fd.get(), buf, sizeof buf)) > 0)
        out.append(buf, static_cast<std::size_t>(n));
    return out;
}

} // namespace

Result<std::string> state_root() {
    std::string root;
    if (const char* env = std::getenv("SOULBOX_STATE_DIR"); env && *env) {
        root = env;
    } else if (::geteuid() == 0) {
        root = "/run/soulbox";
    } else if (const char* xdg = std::getenv("XDG_RUNTIME_DIR"); xdg && *xdg) {
        root = std::string(xdg) + "/soulbox";
    } else {
        root = "/tmp/soulbox-" + std::to_string(::geteuid());
    }
    if (auto s = ensure_private_dir(root); !s) return std::unexpected(s.error());
    return root;
}

std::string sandbox_dir(const std::string& root, const std::string& id) {
    return root + "/" + id;
}

std::string control_socket_path(const std::string& root, const std::string& id) {
    return sandbox_dir(root, id) + "/control.sock";
}

std::string new_sandbox_id() {
    unsigned char bytes[8];
    if (::getrandom(bytes, sizeof bytes, 0) != sizeof bytes) {
        // getrandom cannot fail for 8 bytes once the pool is ready; fall back to time and pid.
        std::uint64_t v = now_ms() ^ (std::uint64_t(::getpid()) << 40);
        std::memcpy(bytes, &v, sizeof bytes);
    }
    std::string id;
    for (unsigned char b : bytes)
        id += fmt::format("{:02x}", b);
    return id;
}

Status validate_sandbox_id(std::string_view id) {
    bool ok = !id.empty() && id.size() <= 64;
    for (char c : id)
        ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-');
    if (!ok)
        return std::unexpected(
            make_error(Errc::invalid_argument, "invalid sandbox id '" + std::string(id) +
                                                   "' (expected 1-64 characters of a-z, 0-9, -)"));
    return {};
}

Status write_record(const std::string& root, const SandboxRecord& r) {
    std::string metadata;
    for (const auto& [k, v] : r.metadata)
        metadata += (metadata.empty() ? "" : ",") + json::quote(k) + ":" + json::quote(v);
    std::string text = fmt::format(
        "{{\"id\":{},\"template\":{},\"metadata\":{{{}}},\"started_at_ms\":{},\"end_at_ms\":{},"
        "\"agent_pid\":{},\"agent_start_time\":{},\"rootless\":{},\"id_slot\":{},"
        "\"limits\":{{\"memory_bytes\":{},\"pids\":{},\"cpus\":{},\"disk_bytes\":{},"
        "\"cgroup\":{},\"note\":{}}}}}\n",
        json::quote(r.id), json::quote(r.template_name), metadata, r.started_at_ms, r.end_at_ms,
        r.agent_pid, r.agent_start_time, r.rootless, r.id_slot, r.limits.memory_bytes,
        r.limits.pids, r.limits.cpus, r.limits.disk_bytes, json::quote(r.limits.cgroup),
        json::quote(r.limits.note));
    std::string dir = sandbox_dir(root, r.id);
    std::string tmp = dir + "/.sandbox.json." + std::to_string(::getpid());
    {
        UniqueFd fd(
            ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600));
        if (!fd) return std::unexpected(sys_error("write " + tmp));
        if (::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()))
            return std::unexpected(sys_error("write " + tmp));
    }
    // rename is atomic: readers see the old or the new record, never half of one.
    if (::rename(tmp.c_str(), (dir + "/sandbox.json").c_str()) != 0)
        return std::unexpected(sys_error("rename " + tmp));
    return {};
}

Result<SandboxRecord> read_record(const std::string& root, const std::string& id) {
    if (auto s = validate_sandbox_id(id); !s) return std::unexpected(s.error());
    std::string text = read_file(sandbox_dir(root, id) + "/sandbox.json");
    if (text.empty())
        return std::unexpected(make_error(Errc::not_found, "no sandbox with id '" + id + "'"));
    simdjson::ondemand::parser parser;
    simdjson::padded_string padded(text);
    SandboxRecord r;
    auto bad = [&] {
        return std::unexpected(make_error(Errc::protocol, "corrupt state file for sandbox " + id));
    };
    simdjson::ondemand::document doc;
    if (parser.iterate(padded).get(doc)) return bad();
    std::string_view sv;
    std::uint64_t u = 0;
    std::int64_t i = 0;
    double d = 0;
    bool b = false;
    if (doc["id"].get_string().get(sv)) return bad();
    r.id = sv;
    if (doc["template"].get_string().get(sv)) return bad();
    r.template_name = sv;
    simdjson::ondemand::object meta;
    if (doc["metadata"].get_object().get(meta)) return bad();
    for (auto field : meta) {
        std::string_view key, value;
        if (field.unescaped_key().get(key) || field.value().get_string().get(value)) return bad();
        r.metadata.emplace(std::string(key), std::string(value));
    }
    if (doc["started_at_ms"].get_uint64().get(u)) return bad();
    r.started_at_ms = u;
    if (doc["end_at_ms"].get_uint64().get(u)) return bad();
    r.end_at_ms = u;
    if (doc["agent_pid"].get_int64().get(i)) return bad();
    r.agent_pid = static_cast<pid_t>(i);
    if (doc["agent_start_time"].get_uint64().get(u)) return bad();
    r.agent_start_time = u;
    if (doc["rootless"].get_bool().get(b)) return bad();
    r.rootless = b;
    if (doc["id_slot"].get_int64().get(i)) return bad();
    r.id_slot = static_cast<int>(i);
    simdjson::ondemand::object limits;
    if (doc["limits"].get_object().get(limits)) return bad();
    if (limits["memory_bytes"].get_uint64().get(u)) return bad();
    r.limits.memory_bytes = u;
    if (limits["pids"].get_uint64().get(u)) return bad();
    r.limits.pids = u;
    if (limits["cpus"].get_double().get(d)) return bad();
    r.limits.cpus = d;
    if (limits["disk_bytes"].get_uint64().get(u)) return bad();
    r.limits.disk_bytes = u;
    if (limits["cgroup"].get_string().get(sv)) return bad();
    r.limits.cgroup = sv;
    if (limits["note"].get_string().get(sv)) return bad();
    r.limits.note = sv;
    return r;
}

std::vector<std::string> list_sandbox_ids(const std::string& root) {
    std::vector<std::string> ids;
    DIR* d = ::opendir(root.c_str());
    if (!d) return ids;
    while (dirent* entry = ::readdir(d))
        if (validate_sandbox_id(entry->d_name)) ids.emplace_back(entry->d_name);
    ::closedir(d);
    return ids;
}

void remove_state(const std::string& root, const SandboxRecord& record) {
    std::string dir = sandbox_dir(root, record.id);
    DIR* d = ::opendir(dir.c_str());
    if (d) {
        while (dirent* entry = ::readdir(d))
            if (std::strcmp(entry->d_name, ".") != 0 && std::strcmp(entry->d_name, "..") != 0)
                ::unlinkat(::dirfd(d), entry->d_name, 0);
        ::closedir(d);
    }
    ::rmdir(dir.c_str());
    ns::release_id_slot(root, record.id_slot, record.id);
}

std::uint64_t process_start_time(pid_t pid) {
    std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
    auto close = stat.rfind(')');
    if (close == std::string::npos) return 0;
    // Fields after "(comm)": state is field 3; starttime is field 22.
    const char* p = stat.c_str() + close + 1;
    for (int field = 3; field < 22 && *p; ++field) {
        while (*p == ' ')
            ++p;
        while (*p && *p != ' ')
            ++p;
    }
    return std::strtoull(p, nullptr, 10);
}

Result<int> open_agent_pidfd(const SandboxRecord& record) {
    int fd = static_cast<int>(::syscall(SYS_pidfd_open, record.agent_pid, 0));
    if (fd < 0)
        return std::unexpected(
            make_error(Errc::not_running, "sandbox " + record.id + " is not running"));
    // The pid may have been reused since; the start time tells. Checked after opening the
    // pidfd, so the process we hold is the one we checked.
    pollfd exited{fd, POLLIN, 0}; // a zombie agent is readable: it has ended
    if (process_start_time(record.agent_pid) != record.agent_start_time ||
        ::poll(&exited, 1, 0) != 0) {
        ::close(fd);
        return std::unexpected(
            make_error(Errc::not_running, "sandbox " + record.id + " is not running"));
    }
    return fd;
}

std::uint64_t now_ms() {
    timespec ts{};
    ::clock_gettime(CLOCK_REALTIME, &ts);
    return std::uint64_t(ts.tv_sec) * 1000 + std::uint64_t(ts.tv_nsec) / 1000000;
}

SandboxInfo to_info(const SandboxRecord& r, bool running) {
    SandboxInfo info;
    info.id = r.id;
    info.template_name = r.template_name;
    info.metadata = r.metadata;
    info.started_at = Clock::time_point(std::chrono::milliseconds(r.started_at_ms));
    if (r.end_at_ms) info.end_at = Clock::time_point(std::chrono::milliseconds(r.end_at_ms));
    info.state = running ? SandboxState::running : SandboxState::stopped;
    info.limits = r.limits;
    info.rootless = r.rootless;
    return info;
}

} // namespace soulbox::sandbox
