// Sandbox lifetime: create, connect, kill, list, info. The handle is freed (GIL released) when
// the Python object goes away; the sandbox itself keeps running until its timeout, as in E2B.
#include "core.hpp"

#include <pybind11/stl.h>

#include <cstdint>
#include <optional>

namespace soulbox_py {

Sandbox::Sandbox(soulbox_sandbox* handle) : handle_(handle), id_(soulbox_sandbox_id(handle)) {}

Sandbox::~Sandbox() {
    // Freeing may wait for the library; the loop thread may need the GIL meanwhile.
    without_gil([&] { soulbox_sandbox_free(handle_); });
}

namespace {

using InfoPtr = Owned<soulbox_sandbox_info, soulbox_sandbox_info_free>;
using InfoListPtr = Owned<soulbox_sandbox_info_list, soulbox_sandbox_info_list_free>;

const char* state_name(soulbox_sandbox_state state) {
    switch (state) {
    case SOULBOX_SANDBOX_RUNNING:
        return "running";
    case SOULBOX_SANDBOX_FOREIGN:
        return "foreign";
    case SOULBOX_SANDBOX_STOPPED:
        break;
    }
    return "stopped";
}

py::dict info_dict(const soulbox_sandbox_info* info) {
    py::dict metadata;
    for (size_t i = 0; i < soulbox_sandbox_info_metadata_count(info); ++i)
        metadata[py::str(soulbox_sandbox_info_metadata_key(info, i))] =
            py::str(soulbox_sandbox_info_metadata_value(info, i));
    py::dict d;
    d["sandbox_id"] = soulbox_sandbox_info_id(info);
    d["template_id"] = soulbox_sandbox_info_template(info);
    d["metadata"] = metadata;
    d["started_at_ms"] = soulbox_sandbox_info_started_at_ms(info);
    d["end_at_ms"] = soulbox_sandbox_info_end_at_ms(info);
    d["state"] = state_name(soulbox_sandbox_info_state(info));
    d["foreign_reason"] = soulbox_sandbox_info_foreign_reason(info);
    d["agent_protocol_version"] = soulbox_sandbox_info_agent_protocol_version(info);
    d["rootless"] = soulbox_sandbox_info_rootless(info) != 0;
    d["memory_bytes"] = soulbox_sandbox_info_memory_bytes(info);
    d["pids"] = soulbox_sandbox_info_pids(info);
    d["cpus"] = soulbox_sandbox_info_cpus(info);
    d["disk_bytes"] = soulbox_sandbox_info_disk_bytes(info);
    d["cgroup"] = soulbox_sandbox_info_cgroup(info);
    d["limits_note"] = soulbox_sandbox_info_limits_note(info);
    return d;
}

// Options as given by the Python layer (already validated there); None = library default.
struct CreateArgs {
    std::string template_name;
    int64_t timeout_seconds;
    std::map<std::string, std::string> envs;
    std::map<std::string, std::string> metadata;
    std::string hostname;
    std::optional<uint64_t> memory_bytes, pids, disk_bytes;
    std::optional<double> cpus;
};

std::unique_ptr<Sandbox> create(const CreateArgs& args) {
    KvArray envs(args.envs, "envs");
    KvArray metadata(args.metadata, "metadata");
    std::string template_name = text(args.template_name, "template");
    std::string hostname = text(args.hostname, "hostname");
    soulbox_sandbox_options opts;
    soulbox_sandbox_options_init(&opts);
    opts.template_name = or_null(template_name);
    opts.timeout_seconds = args.timeout_seconds;
    opts.envs = envs.data();
    opts.envs_count = envs.size();
    opts.metadata = metadata.data();
    opts.metadata_count = metadata.size();
    opts.hostname = or_null(hostname);
    opts.memory_bytes = args.memory_bytes.value_or(SOULBOX_LIMIT_DEFAULT);
    opts.pids = args.pids.value_or(SOULBOX_LIMIT_DEFAULT);
    opts.disk_bytes = args.disk_bytes.value_or(SOULBOX_LIMIT_DEFAULT);
    opts.cpus = args.cpus.value_or(-1.0);
    soulbox_sandbox* handle = nullptr;
    soulbox_error* err = nullptr;
    int status = without_gil([&] { return soulbox_sandbox_create(&handle, &opts, &err); });
    check(status, err);
    return std::make_unique<Sandbox>(handle);
}

std::unique_ptr<Sandbox> connect(const std::string& id) {
    std::string checked = text(id, "sandbox_id");
    soulbox_sandbox* handle = nullptr;
    soulbox_error* err = nullptr;
    int status =
        without_gil([&] { return soulbox_sandbox_connect(&handle, checked.c_str(), &err); });
    check(status, err);
    return std::make_unique<Sandbox>(handle);
}

// False when the sandbox had already ended (E2B's kill() returns whether it killed).
bool kill(Sandbox& sbx) {
    soulbox_error* err = nullptr;
    int status = without_gil([&] { return soulbox_sandbox_kill(sbx.get(), &err); });
    if (status == SOULBOX_ERR_NOT_RUNNING || status == SOULBOX_ERR_NOT_FOUND) {
        soulbox_error_free(err);
        return false;
    }
    check(status, err);
    return true;
}

bool is_running(Sandbox& sbx) {
    int running = 0;
    soulbox_error* err = nullptr;
    int status = without_gil([&] { return soulbox_sandbox_is_running(&running, sbx.get(), &err); });
    check(status, err);
    return running != 0;
}

void set_timeout(Sandbox& sbx, int64_t seconds) {
    soulbox_error* err = nullptr;
    int status = without_gil([&] { return soulbox_sandbox_set_timeout(sbx.get(), seconds, &err); });
    check(status, err);
}

py::dict get_info(Sandbox& sbx) {
    soulbox_sandbox_info* raw = nullptr;
    soulbox_error* err = nullptr;
    int status = without_gil([&] { return soulbox_sandbox_get_info(&raw, sbx.get(), &err); });
    check(status, err);
    InfoPtr info(raw);
    return info_dict(info.get());
}

py::list list_sandboxes() {
    soulbox_sandbox_info_list* raw = nullptr;
    soulbox_error* err = nullptr;
    int status = without_gil([&] { return soulbox_sandbox_list(&raw, &err); });
    check(status, err);
    InfoListPtr infos(raw);
    py::list out;
    for (size_t i = 0; i < soulbox_sandbox_info_list_count(infos.get()); ++i)
        out.append(info_dict(soulbox_sandbox_info_list_get(infos.get(), i)));
    return out;
}

} // namespace

void bind_sandbox(py::module_& m) {
    py::class_<Sandbox>(m, "Sandbox", "A handle on a sandbox (soulbox_sandbox).")
        .def_property_readonly("id", &Sandbox::id)
        .def("kill", &kill)
        .def("is_running", &is_running)
        .def("set_timeout", &set_timeout, py::arg("seconds"))
        .def("get_info", &get_info);
    m.def(
        "create",
        [](const std::string& template_name, int64_t timeout_seconds,
           const std::map<std::string, std::string>& envs,
           const std::map<std::string, std::string>& metadata, const std::string& hostname,
           std::optional<uint64_t> memory_bytes, std::optional<uint64_t> pids,
           std::optional<double> cpus, std::optional<uint64_t> disk_bytes) {
            return create({template_name, timeout_seconds, envs, metadata, hostname, memory_bytes,
                           pids, disk_bytes, cpus});
        },
        py::arg("template_name"), py::arg("timeout_seconds"), py::arg("envs"), py::arg("metadata"),
        py::arg("hostname"), py::arg("memory_bytes"), py::arg("pids"), py::arg("cpus"),
        py::arg("disk_bytes"));
    m.def("connect", &connect, py::arg("sandbox_id"));
    m.def("list_sandboxes", &list_sandboxes);
}

} // namespace soulbox_py
