// soulbox_runtime_*: runtimes (src/runtime) for the C ABI.
#include "handles.hpp"

using namespace soulbox;
using namespace soulbox::capi;

namespace {

// The C log function and its data, freed with the last owner of the hook (the runtime may
// outlive its handle while its sandboxes run).
struct CLog {
    CLog(soulbox_log_fn fn, void* data, void (*free_data)(void*))
        : log(fn), user_data(data), free_user_data(free_data) {}
    CLog(const CLog&) = delete; // frees the data: exactly one may exist
    CLog& operator=(const CLog&) = delete;
    ~CLog() {
        if (free_user_data) free_user_data(user_data);
    }

    soulbox_log_fn log;
    void* user_data;
    void (*free_user_data)(void*);
};

LogHook log_hook(const soulbox_runtime_options& c) {
    if (!c.log) {
        if (c.log_user_data_free) c.log_user_data_free(c.log_user_data);
        return {};
    }
    auto log = std::make_shared<CLog>(c.log, c.log_user_data, c.log_user_data_free);
    return [log](LogLevel level, std::string_view message) {
        std::string text(message); // NUL-terminated for C
        log->log(static_cast<soulbox_log_level>(level), text.c_str(), log->user_data);
    };
}

static_assert(SOULBOX_LOG_DEBUG == static_cast<int>(LogLevel::debug));
static_assert(SOULBOX_LOG_ERROR == static_cast<int>(LogLevel::error));

} // namespace

extern "C" {

int soulbox_runtime_options_init(soulbox_runtime_options* opts) {
    return guard(nullptr, [&] {
        need(opts, "opts") = soulbox_runtime_options{};
        opts->struct_size = sizeof *opts;
    });
}

int soulbox_runtime_new(soulbox_runtime** out, const soulbox_runtime_options* opts,
                        soulbox_error** err) {
    return guard(err, [&] {
        auto& slot = out_param(out, "out");
        auto c = read_options(opts, &soulbox_runtime_options_init, "runtime options");
        RuntimeOptions options;
        options.state_dir = text_or(c.state_dir, "state_dir", "");
        options.cgroup = text_or(c.cgroup, "cgroup", options.cgroup);
        options.io = text_or(c.io, "io", options.io);
        options.log = log_hook(c);
        slot = make<soulbox_runtime>(unwrap(Runtime::create(std::move(options))));
    });
}

void soulbox_runtime_free(soulbox_runtime* runtime) {
    delete runtime;
}

const char* soulbox_runtime_state_dir(const soulbox_runtime* runtime) {
    return runtime ? runtime->runtime->state_root().c_str() : "";
}

} // extern "C"
