// soulbox_pty_*: terminals. A terminal is a soulbox_process (the C++ API returns a
// CommandHandle for both), so wait, kill and send_stdin on the handle work the same way.
#include "handles.hpp"

using namespace soulbox;
using namespace soulbox::capi;

namespace {

PtyOptions pty_options(const soulbox_pty_options* given,
                       const std::shared_ptr<CallbackGate>& gate) {
    auto c = read_options(given, &soulbox_pty_options_init, "pty options");
    PtyOptions options;
    options.size = {c.rows, c.cols};
    options.cmd = string_array(c.argv, c.argc, "argv");
    options.cwd = text_or(c.cwd, "cwd", "");
    options.user = text_or(c.user, "user", options.user);
    options.envs = string_map(c.envs, c.envs_count, "envs");
    options.timeout = milliseconds(c.timeout_ms, "timeout_ms");
    options.on_data = output_callback(gate, c.on_data, c.user_data);
    return options;
}

} // namespace

extern "C" {

int soulbox_pty_options_init(soulbox_pty_options* opts) {
    return guard(nullptr, [&] {
        need(opts, "opts") = soulbox_pty_options{};
        opts->struct_size = sizeof *opts;
        opts->rows = PtySize{}.rows;
        opts->cols = PtySize{}.cols;
    });
}

int soulbox_pty_create(soulbox_process** out, soulbox_sandbox* sbx, const soulbox_pty_options* opts,
                       soulbox_error** err) {
    return guard(err, [&] {
        auto& slot = out_param(out, "out");
        auto& sandbox = need(sbx, "sbx").sandbox;
        auto gate = std::make_shared<CallbackGate>();
        auto options = pty_options(opts, gate);
        slot = make<soulbox_process>(unwrap(sandbox.pty().create(std::move(options))), gate);
    });
}

int soulbox_pty_send_stdin(soulbox_sandbox* sbx, int pid, const void* data, size_t len,
                           soulbox_error** err) {
    return guard(err, [&] {
        auto& sandbox = need(sbx, "sbx").sandbox;
        unwrap(sandbox.pty().send_stdin(pid, bytes(data, len, "data")));
    });
}

int soulbox_pty_resize(soulbox_sandbox* sbx, int pid, uint16_t rows, uint16_t cols,
                       soulbox_error** err) {
    return guard(err, [&] { unwrap(need(sbx, "sbx").sandbox.pty().resize(pid, {rows, cols})); });
}

int soulbox_pty_kill(soulbox_sandbox* sbx, int pid, soulbox_error** err) {
    return guard(err, [&] { unwrap(need(sbx, "sbx").sandbox.pty().kill(pid)); });
}

int soulbox_pty_connect(soulbox_process** out, soulbox_sandbox* sbx, int pid,
                        soulbox_output_fn on_data, void* user_data, soulbox_error** err) {
    return guard(err, [&] {
        auto& slot = out_param(out, "out");
        auto& sandbox = need(sbx, "sbx").sandbox;
        auto gate = std::make_shared<CallbackGate>();
        auto handle = unwrap(sandbox.pty().connect(pid, output_callback(gate, on_data, user_data)));
        slot = make<soulbox_process>(std::move(handle), gate);
    });
}

} // extern "C"
