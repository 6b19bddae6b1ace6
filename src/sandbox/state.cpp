#include "sandbox/state.hpp"

#include "core/json_writer.hpp"
#include "core/unique_fd.hpp"
#include "ns/userns.hpp"
#include "spec/spec_json.hpp"

#include <cerrno>
#include <cstdint>
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

Result<std::string> prepare_state_root(std::string root) {
    if (!root.empty()) {
        // Relative roots would move with the working directory.
        if (root.front() != '/')
            return std::unexpected(
                make_error(Errc::invalid_argument, "state directory must be absolute: " + root));
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

std::string record_to_json(const SandboxRecord& r) {
    json::ObjectWriter metadata, limits;
    for (const auto& [k, v] : r.spec.metadata)
        metadata.str(k, v);
    limits.u64("memory_bytes", r.limits.memory_bytes)
        .u64("pids", r.limits.pids)
        .number("cpus", r.limits.cpus)
        .u64("disk_bytes", r.limits.disk_bytes)
        .str("cgroup", r.limits.cgroup)
        .str("note", r.limits.note);
    // "template" and "metadata" repeat what the spec holds: readers of schema 0 need them.
    json::ObjectWriter w;
    w.i64("schema_version", r.schema_version)
        .str("id", r.id)
        .str("template", r.spec.template_name)
        .raw("metadata", metadata.finish())
        .u64("started_at_ms", r.started_at_ms)
        .u64("end_at_ms", r.end_at_ms)
        .i64("agent_pid", r.agent_pid)
        .u64("agent_start_time", r.agent_start_time)
        .u64("agent_protocol", r.agent_protocol)
        .i64("creator_pid", r.creator_pid)
        .u64("creator_start_time", r.creator_start_time)
        .boolean("rootless", r.rootless)
        .i64("id_slot", r.id_slot)
        .raw("limits", limits.finish())
        .raw("spec", spec::spec_to_json(r.spec));
    return w.finish() + "\n";
}

Status write_record(const std::string& root, const SandboxRecord& r) {
    std::string text = record_to_json(r);
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

namespace {

using simdjson::ondemand::value;

Status read_limits(value v, EffectiveLimits& l) {
    simdjson::ondemand::object o;
    if (v.get_object().get(o)) return std::unexpected(make_error(Errc::protocol, "limits"));
    for (auto field : o) {
        std::string_view k, s;
        value fv;
        if (field.unescaped_key().get(k) || field.value().get(fv))
            return std::unexpected(make_error(Errc::protocol, "limits"));
        bool bad = false;
        if (k == "memory_bytes")
            bad = fv.get_uint64().get(l.memory_bytes) != simdjson::SUCCESS;
        else if (k == "pids")
            bad = fv.get_uint64().get(l.pids) != simdjson::SUCCESS;
        else if (k == "cpus")
            bad = fv.get_double().get(l.cpus) != simdjson::SUCCESS;
        else if (k == "disk_bytes")
            bad = fv.get_uint64().get(l.disk_bytes) != simdjson::SUCCESS;
        else if (k == "cgroup" || k == "note") {
            bad = fv.get_string().get(s) != simdjson::SUCCESS;
            (k == "cgroup" ? l.cgroup : l.note) = s;
        }
        if (bad) return std::unexpected(make_error(Errc::protocol, "limits." + std::string(k)));
    }
    return {};
}

// One field of a record; unknown keys are skipped.
Status read_record_field(std::string_view k, value v, SandboxRecord& r) {
    auto bad = [&] { return std::unexpected(make_error(Errc::protocol, std::string(k))); };
    std::string_view s;
    std::int64_t i = 0;
    if (k == "schema_version") {
        if (v.get_int64().get(i)) return bad();
        r.schema_version = static_cast<int>(i);
    } else if (k == "id") {
        if (v.get_string().get(s)) return bad();
        r.id = s;
    } else if (k == "template") {
        if (v.get_string().get(s)) return bad();
        r.spec.template_name = s;
    } else if (k == "metadata") {
        simdjson::ondemand::object meta;
        if (v.get_object().get(meta)) return bad();
        for (auto field : meta) {
            std::string_view key, text;
            if (field.unescaped_key().get(key) || field.value().get_string().get(text))
                return bad();
            r.spec.metadata[std::string(key)] = std::string(text);
        }
    } else if (k == "started_at_ms") {
        if (v.get_uint64().get(r.started_at_ms)) return bad();
    } else if (k == "end_at_ms") {
        if (v.get_uint64().get(r.end_at_ms)) return bad();
    } else if (k == "agent_pid" || k == "creator_pid") {
        if (v.get_int64().get(i) || i < 0 || i > INT32_MAX) return bad();
        (k == "agent_pid" ? r.agent_pid : r.creator_pid) = static_cast<pid_t>(i);
    } else if (k == "agent_protocol") {
        std::uint64_t u = 0;
        if (v.get_uint64().get(u) || u > UINT32_MAX) return bad();
        r.agent_protocol = static_cast<std::uint32_t>(u);
    } else if (k == "agent_start_time") {
        if (v.get_uint64().get(r.agent_start_time)) return bad();
    } else if (k == "creator_start_time") {
        if (v.get_uint64().get(r.creator_start_time)) return bad();
    } else if (k == "rootless") {
        if (v.get_bool().get(r.rootless)) return bad();
    } else if (k == "id_slot") {
        if (v.get_int64().get(i) || i < -1 || i > INT32_MAX) return bad();
        r.id_slot = static_cast<int>(i);
    } else if (k == "limits") {
        return read_limits(v, r.limits);
    } else if (k == "spec") {
        simdjson::ondemand::object o;
        if (v.get_object().get(o)) return bad();
        auto parsed = spec::spec_from_json(o);
        if (!parsed) return std::unexpected(parsed.error());
        r.spec = std::move(*parsed);
    }
    return {};
}

} // namespace

Result<SandboxRecord> record_from_json(std::string_view text, const std::string& id) {
    auto foreign = [&](std::string why) {
        return std::unexpected(
            make_error(Errc::protocol, "state of sandbox " + id + " is unreadable (" + why + ")"));
    };
    simdjson::ondemand::parser parser;
    simdjson::padded_string padded(text);
    simdjson::ondemand::document doc;
    simdjson::ondemand::object o;
    if (parser.iterate(padded).get(doc) || doc.get_object().get(o)) return foreign("not JSON");
    SandboxRecord r;
    r.schema_version = 0; // records before schema_version existed
    for (auto field : o) {
        std::string_view k;
        value v;
        if (field.unescaped_key().get(k) || field.value().get(v)) return foreign("not JSON");
        // A newer schema may have changed what the keys after this one mean: stop here.
        if (k == "schema_version") {
            std::int64_t version = 0;
            if (v.get_int64().get(version)) return foreign("schema_version");
            if (version > kRecordSchemaVersion)
                return std::unexpected(make_error(
                    Errc::unsupported, "sandbox " + id +
                                           " was created by a newer SoulBox "
                                           "(state schema_version " +
                                           std::to_string(version) + ", this library reads up to " +
                                           std::to_string(kRecordSchemaVersion) + ")"));
        }
        if (auto s = read_record_field(k, v, r); !s) return foreign(s.error().message);
    }
    if (r.id != id) return foreign("its id is '" + r.id + "'");
    return r;
}

Result<SandboxRecord> read_record(const std::string& root, const std::string& id) {
    if (auto s = validate_sandbox_id(id); !s) return std::unexpected(s.error());
    std::string text = read_file(sandbox_dir(root, id) + "/sandbox.json");
    if (text.empty())
        return std::unexpected(make_error(Errc::not_found, "no sandbox with id '" + id + "'")
                                   .about(ErrorSubject::sandbox));
    return record_from_json(text, id);
}

bool is_foreign(const Error& read_error) {
    return read_error.code == Errc::unsupported || read_error.code == Errc::protocol;
}

Liveness liveness(const SandboxRecord& record) {
    if (record.agent_pid > 0) {
        auto pidfd = open_agent_pidfd(record);
        if (!pidfd) return Liveness::dead;
        ::close(*pidfd);
        return Liveness::alive;
    }
    if (record.creator_pid <= 0) return Liveness::foreign; // no process to judge by
    auto creator = open_pidfd(record.creator_pid, record.creator_start_time);
    if (!creator) return Liveness::dead;
    ::close(*creator);
    return Liveness::creating;
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

Result<int> open_pidfd(pid_t pid, std::uint64_t start_time) {
    auto gone = [&] {
        return std::unexpected(
            make_error(Errc::not_running, "process " + std::to_string(pid) + " has ended"));
    };
    if (pid <= 0) return gone();
    int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
    if (fd < 0) return gone();
    // The pid may have been reused since; the start time tells. Checked after opening the
    // pidfd, so the process we hold is the one we checked.
    pollfd exited{fd, POLLIN, 0}; // a zombie is readable: it has ended
    if (process_start_time(pid) != start_time || ::poll(&exited, 1, 0) != 0) {
        ::close(fd);
        return gone();
    }
    return fd;
}

Result<int> open_agent_pidfd(const SandboxRecord& record) {
    auto fd = open_pidfd(record.agent_pid, record.agent_start_time);
    if (!fd)
        return std::unexpected(
            make_error(Errc::not_running, "sandbox " + record.id + " is not running"));
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
    info.template_name = r.spec.template_name;
    info.metadata = r.spec.metadata;
    info.started_at = Clock::time_point(std::chrono::milliseconds(r.started_at_ms));
    if (r.end_at_ms) info.end_at = Clock::time_point(std::chrono::milliseconds(r.end_at_ms));
    info.state = running ? SandboxState::running : SandboxState::stopped;
    info.limits = r.limits;
    info.rootless = r.rootless;
    info.agent_protocol_version = r.agent_protocol;
    return info;
}

SandboxInfo foreign_info(const std::string& id, const Error& read_error) {
    SandboxInfo info;
    info.id = id;
    info.state = SandboxState::foreign;
    info.foreign_reason = read_error.message;
    return info;
}

} // namespace soulbox::sandbox
