#include "spec/spec.hpp"

#include "core/json_writer.hpp"
#include "template/templates.hpp"

#include <cctype>
#include <cmath>

namespace soulbox::spec {
namespace {

constexpr std::size_t kMaxPath = 4096;
constexpr std::size_t kMaxFileContent = 4u << 20;
constexpr std::size_t kMaxMounts = 1024;

Error invalid(std::string message) {
    return make_error(Errc::invalid_argument, std::move(message));
}

bool has_nul(std::string_view s) {
    return s.find('\0') != std::string_view::npos;
}

// Absolute, no empty, "." or ".." component, no trailing slash (except "/" itself).
bool is_normal_absolute(std::string_view path) {
    if (path.empty() || path[0] != '/' || path.size() > kMaxPath || has_nul(path)) return false;
    if (path == "/") return true;
    std::size_t start = 1;
    while (start <= path.size()) {
        std::size_t end = path.find('/', start);
        if (end == std::string_view::npos) end = path.size();
        std::string_view part = path.substr(start, end - start);
        if (part.empty() || part == "." || part == "..") return false;
        start = end + 1;
    }
    return true;
}

bool needs_host_source(MountKind kind) {
    return kind == MountKind::overlay_ro || kind == MountKind::bind || kind == MountKind::copy ||
           kind == MountKind::mirror;
}

Status validate_mount(const MountOp& m) {
    std::string where = std::string(mount_kind_name(m.kind)) + " mount '" + m.target + "'";
    if (mount_kind_name(m.kind) == "unknown") return std::unexpected(invalid("unknown mount kind"));
    if (!json::is_valid_utf8(m.target) || !json::is_valid_utf8(m.source) ||
        !json::is_valid_utf8(m.content))
        return std::unexpected(invalid(where + ": paths and content must be valid UTF-8"));
    if (!is_normal_absolute(m.target) || m.target == "/")
        return std::unexpected(invalid(where + ": target must be an absolute path without "
                                               "'.', '..' or empty components, and not '/'"));
    if (needs_host_source(m.kind) && !is_normal_absolute(m.source))
        return std::unexpected(invalid(where + ": source must be an absolute host path"));
    if (m.kind == MountKind::symlink &&
        (m.source.empty() || m.source.size() > kMaxPath || has_nul(m.source)))
        return std::unexpected(invalid(where + ": symlink target must be 1-4096 bytes"));
    if (m.kind != MountKind::file && !m.content.empty())
        return std::unexpected(invalid(where + ": only file mounts have content"));
    if (m.kind == MountKind::file && m.content.size() > kMaxFileContent)
        return std::unexpected(invalid(where + ": content larger than 4 MiB"));
    if (m.mode > 07777) return std::unexpected(invalid(where + ": mode above 07777"));
    if (m.kind == MountKind::proc && m.target != "/proc")
        return std::unexpected(invalid(where + ": proc mounts only at /proc"));
    if (m.kind == MountKind::dev && m.target != "/dev")
        return std::unexpected(invalid(where + ": dev mounts only at /dev"));
    return {};
}

Status validate_limits(const ResourceLimits& l) {
    if (l.memory_bytes && *l.memory_bytes != 0 && *l.memory_bytes < (8u << 20))
        return std::unexpected(invalid("memory limit below 8 MiB cannot run a sandbox"));
    if (l.cpus && (!std::isfinite(*l.cpus) || *l.cpus < 0))
        return std::unexpected(invalid("cpus must be a finite number >= 0"));
    if (l.cpus && *l.cpus != 0 && *l.cpus < 0.01)
        return std::unexpected(invalid("cpus below 0.01 cannot be enforced"));
    if (l.disk_bytes && *l.disk_bytes != 0 && *l.disk_bytes < (1u << 20))
        return std::unexpected(invalid("disk limit below 1 MiB cannot hold a root filesystem"));
    return {};
}

Status validate_hostname(std::string_view hostname) {
    if (hostname.empty() || hostname.size() > 64)
        return std::unexpected(invalid("hostname must be 1-64 characters"));
    for (char c : hostname)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.')
            return std::unexpected(
                invalid("hostname may contain only letters, digits, '-' and '.'"));
    return {};
}

Status validate_account(const UserSpec& user) {
    if (user.name.empty() || user.name.size() > 32)
        return std::unexpected(invalid("user name must be 1-32 characters"));
    for (char c : user.name)
        if (!std::islower(static_cast<unsigned char>(c)) &&
            !std::isdigit(static_cast<unsigned char>(c)) && c != '_' && c != '-')
            return std::unexpected(invalid("user name may contain only a-z, 0-9, '_' and '-'"));
    if (user.uid == 0 || user.gid == 0 || user.uid >= 65536 || user.gid >= 65536)
        return std::unexpected(invalid("the sandbox user's uid and gid must be 1-65535"));
    if (!is_normal_absolute(user.home))
        return std::unexpected(invalid("user home must be absolute"));
    return {};
}

std::string replace_all(std::string text, std::string_view key, std::string_view value) {
    for (std::size_t at = 0; (at = text.find(key, at)) != std::string::npos; at += value.size())
        text.replace(at, key.size(), value);
    return text;
}

// Fill a template's placeholders from the spec.
std::string expand(std::string text, const SandboxSpec& spec) {
    if (text.find('{') == std::string::npos) return text;
    text = replace_all(std::move(text), "{user}", spec.user.name);
    text = replace_all(std::move(text), "{uid}", std::to_string(spec.user.uid));
    text = replace_all(std::move(text), "{gid}", std::to_string(spec.user.gid));
    text = replace_all(std::move(text), "{home}", spec.user.home);
    return replace_all(std::move(text), "{hostname}", spec.hostname);
}

} // namespace

Status validate_user(std::string_view user) {
    if (user != "user" && user != "root")
        return std::unexpected(
            invalid("unknown user '" + std::string(user) + "' (use \"user\" or \"root\")"));
    return {};
}

Status validate_terminal_size(std::uint32_t rows, std::uint32_t cols) {
    if (rows == 0 || cols == 0 || rows > 10000 || cols > 10000)
        return std::unexpected(invalid("terminal size must be 1-10000 rows and columns"));
    return {};
}

Status validate_env_name(std::string_view name) {
    if (name.empty() || name.find('=') != std::string_view::npos || has_nul(name) ||
        !json::is_valid_utf8(name))
        return std::unexpected(
            invalid("invalid environment variable name '" + std::string(name) + "'"));
    return {};
}

Status validate(const SandboxSpec& spec) {
    if (spec.schema_version < 0 || spec.schema_version > kSchemaVersion)
        return std::unexpected(make_error(
            Errc::unsupported, "spec schema_version " + std::to_string(spec.schema_version) +
                                   " is newer than this library's (" +
                                   std::to_string(kSchemaVersion) + ")"));
    if (spec.template_name.empty() || spec.template_name.size() > 128 ||
        has_nul(spec.template_name))
        return std::unexpected(invalid("template name must be 1-128 characters"));
    // Specs are stored and sent as JSON: every string must be UTF-8 to survive the trip.
    if (!json::is_valid_utf8(spec.template_name))
        return std::unexpected(invalid("template name is not valid UTF-8"));
    for (const auto& [k, v] : spec.envs) {
        if (auto s = validate_env_name(k); !s) return s;
        if (has_nul(v) || !json::is_valid_utf8(v))
            return std::unexpected(
                invalid("environment variable '" + k + "' contains a NUL byte or invalid UTF-8"));
    }
    for (const auto& [k, v] : spec.metadata)
        if (has_nul(k) || has_nul(v) || !json::is_valid_utf8(k) || !json::is_valid_utf8(v))
            return std::unexpected(invalid("metadata contains a NUL byte or invalid UTF-8"));
    if (auto s = validate_hostname(spec.hostname); !s) return s;
    if (auto s = validate_limits(spec.limits); !s) return s;
    if (auto s = validate_account(spec.user); !s) return s;
    if (spec.security.seccomp_profile != "default")
        return std::unexpected(invalid("unknown seccomp profile '" + spec.security.seccomp_profile +
                                       "' (this version has \"default\")"));
    if (spec.timeout_seconds > 100ull * 365 * 24 * 3600)
        return std::unexpected(invalid("timeout longer than 100 years"));
    if (spec.mounts.size() > kMaxMounts)
        return std::unexpected(invalid("more than 1024 mount operations"));
    for (const auto& m : spec.mounts)
        if (auto s = validate_mount(m); !s) return s;
    return {};
}

Result<SandboxSpec> build_spec(const SandboxOptions& options) {
    if (options.timeout.count() < 0)
        return std::unexpected(invalid("timeout must be >= 0 seconds"));
    const templates::Template* tmpl = templates::find(options.template_name);
    if (!tmpl) {
        std::string known;
        for (const auto& t : templates::all())
            known += (known.empty() ? "'" : ", '") + std::string(t.name) + "'";
        return std::unexpected(make_error(Errc::not_found, "template '" + options.template_name +
                                                               "' is not available (this "
                                                               "version has " +
                                                               known + ")")
                                   .about(ErrorSubject::template_name));
    }
    SandboxSpec spec;
    spec.template_name = options.template_name;
    spec.limits = options.limits;
    spec.envs = options.envs;
    spec.metadata = options.metadata;
    if (!options.hostname.empty()) spec.hostname = options.hostname;
    spec.timeout_seconds = static_cast<std::uint64_t>(options.timeout.count());
    for (MountOp m : tmpl->mounts) {
        m.target = expand(std::move(m.target), spec);
        m.content = expand(std::move(m.content), spec);
        spec.mounts.push_back(std::move(m));
    }
    if (auto s = validate(spec); !s) return std::unexpected(s.error());
    return spec;
}

} // namespace soulbox::spec
