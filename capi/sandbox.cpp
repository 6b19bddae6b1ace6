// soulbox_sandbox_*: lifecycle, info and listing of sandboxes.
#include "handles.hpp"
#include "spec/spec.hpp"
#include "spec/spec_json.hpp"

#include <cmath>

using namespace soulbox;
using namespace soulbox::capi;

namespace {

SandboxOptions sandbox_options(const soulbox_sandbox_options* given) {
    auto c = read_options(given, &soulbox_sandbox_options_init, "sandbox options");
    SandboxOptions options;
    options.template_name = text_or(c.template_name, "template_name", options.template_name);
    if (c.timeout_seconds < 0) fail(Errc::invalid_argument, "timeout_seconds must be >= 0");
    options.timeout = std::chrono::seconds(c.timeout_seconds);
    options.envs = string_map(c.envs, c.envs_count, "envs");
    options.metadata = string_map(c.metadata, c.metadata_count, "metadata");
    options.hostname = text_or(c.hostname, "hostname", "");
    if (c.memory_bytes != SOULBOX_LIMIT_DEFAULT) options.limits.memory_bytes = c.memory_bytes;
    if (c.pids != SOULBOX_LIMIT_DEFAULT) options.limits.pids = c.pids;
    if (c.disk_bytes != SOULBOX_LIMIT_DEFAULT) options.limits.disk_bytes = c.disk_bytes;
    if (std::isnan(c.cpus) || std::isinf(c.cpus))
        fail(Errc::invalid_argument, "cpus must be a finite number");
    if (c.cpus >= 0) options.limits.cpus = c.cpus;
    return options;
}

soulbox_sandbox_info info_object(SandboxInfo info) {
    KeyValues metadata(info.metadata.begin(), info.metadata.end());
    return soulbox_sandbox_info{std::move(info), std::move(metadata)};
}

} // namespace

extern "C" {

int soulbox_sandbox_options_init(soulbox_sandbox_options* opts) {
    return guard(nullptr, [&] {
        need(opts, "opts") = soulbox_sandbox_options{};
        opts->struct_size = sizeof *opts;
        opts->timeout_seconds = 300;
        opts->memory_bytes = SOULBOX_LIMIT_DEFAULT;
        opts->pids = SOULBOX_LIMIT_DEFAULT;
        opts->cpus = -1;
        opts->disk_bytes = SOULBOX_LIMIT_DEFAULT;
    });
}

int soulbox_sandbox_create(soulbox_sandbox** out, const soulbox_sandbox_options* opts,
                           soulbox_error** err) {
    return soulbox_sandbox_create_in(out, nullptr, opts, err);
}

int soulbox_sandbox_create_in(soulbox_sandbox** out, soulbox_runtime* runtime,
                              const soulbox_sandbox_options* opts, soulbox_error** err) {
    return guard(err, [&] {
        auto& slot = out_param(out, "out");
        auto options = sandbox_options(opts);
        slot = make<soulbox_sandbox>(unwrap(Sandbox::create(options, runtime_of(runtime))));
    });
}

int soulbox_sandbox_create_from_spec_json(soulbox_sandbox** out, const char* spec_json,
                                          soulbox_error** err) {
    return guard(err, [&] {
        auto& slot = out_param(out, "out");
        auto spec = unwrap(spec::spec_from_json(text(spec_json, "spec_json")));
        slot = make<soulbox_sandbox>(unwrap(Sandbox::create_from_spec(std::move(spec))));
    });
}

int soulbox_sandbox_connect(soulbox_sandbox** out, const char* id, soulbox_error** err) {
    return soulbox_sandbox_connect_in(out, nullptr, id, err);
}

int soulbox_sandbox_connect_in(soulbox_sandbox** out, soulbox_runtime* runtime, const char* id,
                               soulbox_error** err) {
    return guard(err, [&] {
        auto& slot = out_param(out, "out");
        slot = make<soulbox_sandbox>(unwrap(Sandbox::connect(text(id, "id"), runtime_of(runtime))));
    });
}

void soulbox_sandbox_free(soulbox_sandbox* sbx) {
    delete sbx;
}

const char* soulbox_sandbox_id(const soulbox_sandbox* sbx) {
    return sbx ? sbx->sandbox.id().c_str() : "";
}

int soulbox_sandbox_kill(soulbox_sandbox* sbx, soulbox_error** err) {
    return guard(err, [&] { unwrap(need(sbx, "sbx").sandbox.kill()); });
}

int soulbox_sandbox_is_running(int* running, const soulbox_sandbox* sbx, soulbox_error** err) {
    return guard(err, [&] {
        auto& slot = out_param(running, "running");
        slot = need(sbx, "sbx").sandbox.is_running() ? 1 : 0;
    });
}

int soulbox_sandbox_set_timeout(soulbox_sandbox* sbx, int64_t timeout_seconds,
                                soulbox_error** err) {
    return guard(err, [&] {
        auto& sandbox = need(sbx, "sbx").sandbox;
        if (timeout_seconds < 0) fail(Errc::invalid_argument, "timeout_seconds must be >= 0");
        unwrap(sandbox.set_timeout(std::chrono::seconds(timeout_seconds)));
    });
}

int soulbox_sandbox_get_info(soulbox_sandbox_info** out, const soulbox_sandbox* sbx,
                             soulbox_error** err) {
    return guard(err, [&] {
        auto& slot = out_param(out, "out");
        slot = make<soulbox_sandbox_info>(info_object(unwrap(need(sbx, "sbx").sandbox.info())));
    });
}

int soulbox_sandbox_list(soulbox_sandbox_info_list** out, soulbox_error** err) {
    return soulbox_sandbox_list_in(out, nullptr, err);
}

int soulbox_sandbox_list_in(soulbox_sandbox_info_list** out, soulbox_runtime* runtime,
                            soulbox_error** err) {
    return guard(err, [&] {
        auto& slot = out_param(out, "out");
        auto list = std::make_unique<soulbox_sandbox_info_list>();
        for (auto& info : unwrap(Sandbox::list(runtime_of(runtime))))
            list->items.push_back(info_object(std::move(info)));
        slot = list.release();
    });
}

int soulbox_sandbox_gc(int* removed, soulbox_error** err) {
    return soulbox_sandbox_gc_in(removed, nullptr, err);
}

int soulbox_sandbox_gc_in(int* removed, soulbox_runtime* runtime, soulbox_error** err) {
    return guard(err, [&] {
        auto& slot = out_param(removed, "removed");
        slot = unwrap(Sandbox::gc(runtime_of(runtime)));
    });
}

void soulbox_sandbox_info_free(soulbox_sandbox_info* info) {
    delete info;
}

const char* soulbox_sandbox_info_id(const soulbox_sandbox_info* info) {
    return info ? info->info.id.c_str() : "";
}

const char* soulbox_sandbox_info_template(const soulbox_sandbox_info* info) {
    return info ? info->info.template_name.c_str() : "";
}

size_t soulbox_sandbox_info_metadata_count(const soulbox_sandbox_info* info) {
    return info ? info->metadata.size() : 0;
}

const char* soulbox_sandbox_info_metadata_key(const soulbox_sandbox_info* info, size_t index) {
    return info && index < info->metadata.size() ? info->metadata[index].first.c_str() : nullptr;
}

const char* soulbox_sandbox_info_metadata_value(const soulbox_sandbox_info* info, size_t index) {
    return info && index < info->metadata.size() ? info->metadata[index].second.c_str() : nullptr;
}

int64_t soulbox_sandbox_info_started_at_ms(const soulbox_sandbox_info* info) {
    return info ? to_unix_ms(info->info.started_at) : 0;
}

int64_t soulbox_sandbox_info_end_at_ms(const soulbox_sandbox_info* info) {
    return info && info->info.end_at ? to_unix_ms(*info->info.end_at) : 0;
}

int soulbox_sandbox_info_is_running(const soulbox_sandbox_info* info) {
    return info && info->info.state == SandboxState::running;
}

int soulbox_sandbox_info_rootless(const soulbox_sandbox_info* info) {
    return info && info->info.rootless;
}

uint64_t soulbox_sandbox_info_memory_bytes(const soulbox_sandbox_info* info) {
    return info ? info->info.limits.memory_bytes : 0;
}

uint64_t soulbox_sandbox_info_pids(const soulbox_sandbox_info* info) {
    return info ? info->info.limits.pids : 0;
}

double soulbox_sandbox_info_cpus(const soulbox_sandbox_info* info) {
    return info ? info->info.limits.cpus : 0;
}

uint64_t soulbox_sandbox_info_disk_bytes(const soulbox_sandbox_info* info) {
    return info ? info->info.limits.disk_bytes : 0;
}

const char* soulbox_sandbox_info_cgroup(const soulbox_sandbox_info* info) {
    return info ? info->info.limits.cgroup.c_str() : "";
}

const char* soulbox_sandbox_info_limits_note(const soulbox_sandbox_info* info) {
    return info ? info->info.limits.note.c_str() : "";
}

soulbox_sandbox_state soulbox_sandbox_info_state(const soulbox_sandbox_info* info) {
    if (!info) return SOULBOX_SANDBOX_STOPPED;
    switch (info->info.state) {
    case SandboxState::running:
        return SOULBOX_SANDBOX_RUNNING;
    case SandboxState::stopped:
        return SOULBOX_SANDBOX_STOPPED;
    case SandboxState::foreign:
        return SOULBOX_SANDBOX_FOREIGN;
    }
    return SOULBOX_SANDBOX_STOPPED;
}

const char* soulbox_sandbox_info_foreign_reason(const soulbox_sandbox_info* info) {
    return info ? info->info.foreign_reason.c_str() : "";
}

uint32_t soulbox_sandbox_info_agent_protocol_version(const soulbox_sandbox_info* info) {
    return info ? info->info.agent_protocol_version : 0;
}

void soulbox_sandbox_info_list_free(soulbox_sandbox_info_list* list) {
    delete list;
}

size_t soulbox_sandbox_info_list_count(const soulbox_sandbox_info_list* list) {
    return list ? list->items.size() : 0;
}

const soulbox_sandbox_info* soulbox_sandbox_info_list_get(const soulbox_sandbox_info_list* list,
                                                          size_t index) {
    return element(list, &soulbox_sandbox_info_list::items, index);
}

} // extern "C"
