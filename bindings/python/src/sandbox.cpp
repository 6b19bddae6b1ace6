// Sandbox lifetime: create, connect, kill, list, info, on soulbox::Sandbox. The handle is freed
// (GIL released) when the Python object goes away; the sandbox itself keeps running until its
// timeout, as in E2B.
#include "core.hpp"

#include <pybind11/stl.h>

#include <cstdint>
#include <optional>

namespace soulbox_py {

namespace {

using soulbox::Sandbox;

const char* state_name(soulbox::SandboxState state) {
    switch (state) {
    case soulbox::SandboxState::running:
        return "running";
    case soulbox::SandboxState::foreign:
        return "foreign";
    case soulbox::SandboxState::stopped:
        break;
    }
    return "stopped";
}

py::dict info_dict(const soulbox::SandboxInfo& info) {
    py::dict d;
    d["sandbox_id"] = info.id;
    d["template_id"] = info.template_name;
    d["metadata"] = info.metadata;
    d["started_at_ms"] = unix_ms(info.started_at);
    d["end_at_ms"] = info.end_at ? unix_ms(*info.end_at) : 0;
    d["state"] = state_name(info.state);
    d["foreign_reason"] = info.foreign_reason;
    d["agent_protocol_version"] = info.agent_protocol_version;
    d["rootless"] = info.rootless;
    d["memory_bytes"] = info.limits.memory_bytes;
    d["pids"] = info.limits.pids;
    d["cpus"] = info.limits.cpus;
    d["disk_bytes"] = info.limits.disk_bytes;
    d["cgroup"] = info.limits.cgroup;
    d["limits_note"] = info.limits.note;
    return d;
}

py::list info_list(const std::vector<soulbox::SandboxInfo>& infos) {
    py::list out;
    for (const auto& info : infos)
        out.append(info_dict(info));
    return out;
}

// Options as given by the Python layer (already validated there); "" and None mean the
// library default.
Held<Sandbox> create(const std::string& template_name, int64_t timeout_seconds,
                     soulbox::StringMap envs, soulbox::StringMap metadata, std::string hostname,
                     std::optional<uint64_t> memory_bytes, std::optional<uint64_t> pids,
                     std::optional<double> cpus, std::optional<uint64_t> disk_bytes) {
    soulbox::SandboxOptions options;
    if (!template_name.empty()) options.template_name = template_name;
    options.timeout = std::chrono::seconds(timeout_seconds);
    options.envs = std::move(envs);
    options.metadata = std::move(metadata);
    options.hostname = std::move(hostname);
    options.limits = {memory_bytes, pids, cpus, disk_bytes};
    return held<Sandbox>(unwrap(without_gil([&] { return Sandbox::create(options); })));
}

Held<Sandbox> connect(const std::string& id) {
    return held<Sandbox>(unwrap(without_gil([&] { return Sandbox::connect(id); })));
}

} // namespace

void bind_sandbox(py::module_& m) {
    py::class_<Sandbox, Held<Sandbox>>(m, "Sandbox", "A handle on a sandbox (soulbox::Sandbox).")
        .def_property_readonly("id", &Sandbox::id)
        .def("kill", [](Sandbox& sbx) { return killed(without_gil([&] { return sbx.kill(); })); })
        .def("is_running",
             [](const Sandbox& sbx) { return without_gil([&] { return sbx.is_running(); }); })
        .def(
            "set_timeout",
            [](Sandbox& sbx, int64_t seconds) {
                unwrap(without_gil([&] { return sbx.set_timeout(std::chrono::seconds(seconds)); }));
            },
            py::arg("seconds"))
        .def("get_info", [](const Sandbox& sbx) {
            return info_dict(unwrap(without_gil([&] { return sbx.info(); })));
        });
    m.def("create", &create, py::arg("template_name"), py::arg("timeout_seconds"), py::arg("envs"),
          py::arg("metadata"), py::arg("hostname"), py::arg("memory_bytes"), py::arg("pids"),
          py::arg("cpus"), py::arg("disk_bytes"));
    m.def("connect", &connect, py::arg("sandbox_id"));
    m.def("list_sandboxes",
          [] { return info_list(unwrap(without_gil([] { return Sandbox::list(); }))); });
}

} // namespace soulbox_py
