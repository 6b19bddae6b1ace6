#include "spec/spec_json.hpp"

#include "core/json_writer.hpp"

#include <limits>

namespace soulbox::spec {
namespace {

using simdjson::ondemand::object;
using simdjson::ondemand::value;

std::string string_map_json(const StringMap& map) {
    json::ObjectWriter w;
    for (const auto& [k, v] : map)
        w.str(k, v);
    return w.finish();
}

std::string mount_json(const MountOp& m) {
    json::ObjectWriter w;
    w.str("kind", mount_kind_name(m.kind)).str("target", m.target);
    if (!m.source.empty()) w.str("source", m.source);
    if (m.kind == MountKind::file) w.str("content", m.content);
    if (m.mode) w.u64("mode", m.mode);
    if (m.optional) w.boolean("optional", true);
    if (!m.readonly) w.boolean("readonly", false);
    if (m.user_owned) w.boolean("user_owned", true);
    if (m.size_bytes) w.u64("size_bytes", m.size_bytes);
    return w.finish();
}

std::string limits_json(const ResourceLimits& l) {
    json::ObjectWriter w; // an absent limit takes the runtime's default
    if (l.memory_bytes) w.u64("memory_bytes", *l.memory_bytes);
    if (l.pids) w.u64("pids", *l.pids);
    if (l.cpus) w.number("cpus", *l.cpus);
    if (l.disk_bytes) w.u64("disk_bytes", *l.disk_bytes);
    return w.finish();
}

// Reading: every field is optional (the default stays) and unknown keys are skipped, so older
// and newer writers can be read; a value of the wrong type is an error naming the field.
struct Reader {
    std::string context; // "spec", "spec.mounts[3]", ...

    Error bad(std::string_view key, std::string_view expected) const {
        return make_error(Errc::invalid_argument,
                          context + "." + std::string(key) + " must be " + std::string(expected));
    }

    Status read_string(value v, std::string_view key, std::string& out) const {
        std::string_view s;
        if (v.get_string().get(s)) return std::unexpected(bad(key, "a string"));
        out = s;
        return {};
    }

    Status read_u64(value v, std::string_view key, std::uint64_t& out) const {
        if (v.get_uint64().get(out)) return std::unexpected(bad(key, "a non-negative integer"));
        return {};
    }

    template <class Int> Status read_int(value v, std::string_view key, Int& out) const {
        std::uint64_t u = 0;
        if (auto s = read_u64(v, key, u); !s) return s;
        if (u > std::numeric_limits<Int>::max()) return std::unexpected(bad(key, "smaller"));
        out = static_cast<Int>(u);
        return {};
    }

    Status read_bool(value v, std::string_view key, bool& out) const {
        if (v.get_bool().get(out)) return std::unexpected(bad(key, "true or false"));
        return {};
    }

    Status read_map(value v, std::string_view key, StringMap& out) const {
        object o;
        if (v.get_object().get(o)) return std::unexpected(bad(key, "an object of strings"));
        out.clear();
        for (auto field : o) {
            std::string_view k, s;
            if (field.unescaped_key().get(k) || field.value().get_string().get(s))
                return std::unexpected(bad(key, "an object of strings"));
            out[std::string(k)] = std::string(s);
        }
        return {};
    }
};

// Calls on_field(key, value) for each field of `v`, which must be an object.
template <class OnField>
Status for_each_field(value v, const Reader& r, std::string_view key, OnField&& on_field) {
    object o;
    if (v.get_object().get(o)) return std::unexpected(r.bad(key, "an object"));
    for (auto field : o) {
        std::string_view k;
        value fv;
        if (field.unescaped_key().get(k) || field.value().get(fv))
            return std::unexpected(r.bad(key, "valid JSON"));
        if (auto s = on_field(k, fv); !s) return s;
    }
    return {};
}

Status read_mount(value v, const Reader& parent, std::size_t index, MountOp& m) {
    Reader r{parent.context + ".mounts[" + std::to_string(index) + "]"};
    bool has_kind = false;
    auto status = for_each_field(v, parent, "mounts", [&](std::string_view k, value fv) -> Status {
        if (k == "kind") {
            std::string name;
            if (auto s = r.read_string(fv, k, name); !s) return s;
            auto kind = mount_kind_from_name(name);
            if (!kind)
                return std::unexpected(make_error(Errc::invalid_argument,
                                                  r.context + ".kind '" + name + "' is unknown"));
            m.kind = *kind;
            has_kind = true;
            return {};
        }
        if (k == "target") return r.read_string(fv, k, m.target);
        if (k == "source") return r.read_string(fv, k, m.source);
        if (k == "content") return r.read_string(fv, k, m.content);
        if (k == "mode") return r.read_int(fv, k, m.mode);
        if (k == "optional") return r.read_bool(fv, k, m.optional);
        if (k == "readonly") return r.read_bool(fv, k, m.readonly);
        if (k == "user_owned") return r.read_bool(fv, k, m.user_owned);
        if (k == "size_bytes") return r.read_u64(fv, k, m.size_bytes);
        return {};
    });
    if (!status) return status;
    if (!has_kind) return std::unexpected(r.bad("kind", "given"));
    return {};
}

Status read_limits(value v, const Reader& r, ResourceLimits& l) {
    return for_each_field(v, r, "limits", [&](std::string_view k, value fv) -> Status {
        Reader lr{r.context + ".limits"};
        std::uint64_t u = 0;
        if (k == "cpus") {
            double d = 0;
            if (fv.get_double().get(d)) return std::unexpected(lr.bad(k, "a number"));
            l.cpus = d;
            return {};
        }
        std::optional<std::uint64_t>* slot = k == "memory_bytes" ? &l.memory_bytes
                                             : k == "pids"       ? &l.pids
                                             : k == "disk_bytes" ? &l.disk_bytes
                                                                 : nullptr;
        if (!slot) return {};
        if (auto s = lr.read_u64(fv, k, u); !s) return s;
        *slot = u;
        return {};
    });
}

Status read_spec(object o, SandboxSpec& spec) {
    Reader r{"spec"};
    for (auto field : o) {
        std::string_view k;
        value v;
        if (field.unescaped_key().get(k) || field.value().get(v))
            return std::unexpected(make_error(Errc::invalid_argument, "spec is not valid JSON"));
        Status s;
        if (k == "schema_version") {
            s = r.read_int(v, k, spec.schema_version);
            // Nothing after this key can be trusted to mean what this version thinks.
            if (s && spec.schema_version > kSchemaVersion) return validate(spec);
        } else if (k == "template") {
            s = r.read_string(v, k, spec.template_name);
        } else if (k == "mounts") {
            simdjson::ondemand::array items;
            if (v.get_array().get(items)) return std::unexpected(r.bad(k, "an array"));
            spec.mounts.clear();
            for (auto item : items) {
                value iv;
                if (item.get(iv)) return std::unexpected(r.bad(k, "valid JSON"));
                MountOp m;
                if (auto ms = read_mount(iv, r, spec.mounts.size(), m); !ms) return ms;
                spec.mounts.push_back(std::move(m));
            }
        } else if (k == "limits") {
            s = read_limits(v, r, spec.limits);
        } else if (k == "network") {
            s = for_each_field(v, r, k, [&](std::string_view nk, value nv) -> Status {
                Reader nr{"spec.network"};
                return nk == "enabled" ? nr.read_bool(nv, nk, spec.network.enabled) : Status{};
            });
        } else if (k == "user") {
            s = for_each_field(v, r, k, [&](std::string_view uk, value uv) -> Status {
                Reader ur{"spec.user"};
                if (uk == "name") return ur.read_string(uv, uk, spec.user.name);
                if (uk == "uid") return ur.read_int(uv, uk, spec.user.uid);
                if (uk == "gid") return ur.read_int(uv, uk, spec.user.gid);
                if (uk == "home") return ur.read_string(uv, uk, spec.user.home);
                return {};
            });
        } else if (k == "security") {
            s = for_each_field(v, r, k, [&](std::string_view sk, value sv) -> Status {
                Reader sr{"spec.security"};
                return sk == "seccomp_profile"
                           ? sr.read_string(sv, sk, spec.security.seccomp_profile)
                           : Status{};
            });
        } else if (k == "envs") {
            s = r.read_map(v, k, spec.envs);
        } else if (k == "metadata") {
            s = r.read_map(v, k, spec.metadata);
        } else if (k == "hostname") {
            s = r.read_string(v, k, spec.hostname);
        } else if (k == "timeout_seconds") {
            s = r.read_u64(v, k, spec.timeout_seconds);
        }
        if (!s) return s;
    }
    return validate(spec);
}

} // namespace

std::string spec_to_json(const SandboxSpec& spec) {
    std::vector<std::string> mounts;
    mounts.reserve(spec.mounts.size());
    for (const auto& m : spec.mounts)
        mounts.push_back(mount_json(m));
    json::ObjectWriter user, security, network;
    user.str("name", spec.user.name)
        .u64("uid", spec.user.uid)
        .u64("gid", spec.user.gid)
        .str("home", spec.user.home);
    security.str("seccomp_profile", spec.security.seccomp_profile);
    network.boolean("enabled", spec.network.enabled);
    json::ObjectWriter w;
    w.i64("schema_version", spec.schema_version)
        .str("template", spec.template_name)
        .str("hostname", spec.hostname)
        .u64("timeout_seconds", spec.timeout_seconds)
        .raw("envs", string_map_json(spec.envs))
        .raw("metadata", string_map_json(spec.metadata))
        .raw("limits", limits_json(spec.limits))
        .raw("network", network.finish())
        .raw("user", user.finish())
        .raw("security", security.finish())
        .raw("mounts", json::array(mounts));
    return w.finish();
}

Result<SandboxSpec> spec_from_json(simdjson::ondemand::object object) {
    SandboxSpec spec;
    if (auto s = read_spec(object, spec); !s) return std::unexpected(s.error());
    return spec;
}

Result<SandboxSpec> spec_from_json(std::string_view json) {
    if (json.size() > (64u << 20))
        return std::unexpected(make_error(Errc::invalid_argument, "spec larger than 64 MiB"));
    simdjson::ondemand::parser parser;
    simdjson::padded_string padded(json);
    simdjson::ondemand::document doc;
    object o;
    if (parser.iterate(padded).get(doc) || doc.get_object().get(o))
        return std::unexpected(make_error(Errc::invalid_argument, "spec is not a JSON object"));
    return spec_from_json(o);
}

} // namespace soulbox::spec
