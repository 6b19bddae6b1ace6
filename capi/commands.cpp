// soulbox_commands_*, soulbox_process_* and their results: commands in a sandbox.
#include "handles.hpp"

using namespace soulbox;
using namespace soulbox::capi;

namespace {

// RunOptions from the C struct; its callbacks pass through `gate`.
RunOptions run_options(const soulbox_run_options* given,
                       const std::shared_ptr<CallbackGate>& gate) {
    auto c = read_options(given, &soulbox_run_options_init, "run options");
    RunOptions options;
    options.envs = string_map(c.envs, c.envs_count, "envs");
    options.cwd = text_or(c.cwd, "cwd", "");
    options.user = text_or(c.user, "user", options.user);
    options.timeout = milliseconds(c.timeout_ms, "timeout_ms");
    options.on_stdout = output_callback(gate, c.on_stdout, c.user_data);
    options.on_stderr = output_callback(gate, c.on_stderr, c.user_data);
    options.stdin = c.stdin_open != 0;
    options.tag = text_or(c.tag, "tag", "");
    options.max_output_bytes = c.max_output_bytes;
    return options;
}

soulbox_command_result* result_object(CommandResult result) {
    return make<soulbox_command_result>(std::move(result));
}

// Runs a command to its end; callbacks are closed before the caller regains control.
template <class Command>
soulbox_command_result* run(soulbox_sandbox* sbx, Command command,
                            const soulbox_run_options* opts) {
    auto& sandbox = need(sbx, "sbx").sandbox;
    auto gate = std::make_shared<CallbackGate>();
    auto options = run_options(opts, gate);
    auto result = sandbox.commands().run(std::move(command), std::move(options));
    gate->close();
    return result_object(unwrap(std::move(result)));
}

template <class Command>
soulbox_process* start(soulbox_sandbox* sbx, Command command, const soulbox_run_options* opts) {
    auto& sandbox = need(sbx, "sbx").sandbox;
    auto gate = std::make_shared<CallbackGate>();
    auto options = run_options(opts, gate);
    return make<soulbox_process>(
        unwrap(sandbox.commands().start(std::move(command), std::move(options))), gate);
}

soulbox_process_info info_object(ProcessInfo info) {
    KeyValues envs(info.envs.begin(), info.envs.end());
    return soulbox_process_info{std::move(info), std::move(envs)};
}

const char* output(const std::string* data, size_t* len) noexcept {
    if (len) *len = data ? data->size() : 0;
    return data ? data->c_str() : nullptr;
}

} // namespace

extern "C" {

int soulbox_run_options_init(soulbox_run_options* opts) {
    return guard(nullptr, [&] {
        need(opts, "opts") = soulbox_run_options{};
        opts->struct_size = sizeof *opts;
        opts->timeout_ms = 60'000;
        opts->max_output_bytes = RunOptions{}.max_output_bytes;
    });
}

int soulbox_commands_run(soulbox_command_result** out, soulbox_sandbox* sbx, const char* cmd,
                         const soulbox_run_options* opts, soulbox_error** err) {
    return guard(err, [&] {
        auto& slot = out_param(out, "out");
        slot = run(sbx, text(cmd, "cmd"), opts);
    });
}

int soulbox_commands_run_argv(soulbox_command_result** out, soulbox_sandbox* sbx,
                              const char* const* argv, size_t argc, const soulbox_run_options* opts,
                              soulbox_error** err) {
    return guard(err, [&] {
        auto& slot = out_param(out, "out");
        slot = run(sbx, string_array(argv, argc, "argv"), opts);
    });
}

int soulbox_commands_start(soulbox_process** out, soulbox_sandbox* sbx, const char* cmd,
                           const soulbox_run_options* opts, soulbox_error** err) {
    return guard(err, [&] {
        auto& slot = out_param(out, "out");
        slot = start(sbx, text(cmd, "cmd"), opts);
    });
}

int soulbox_commands_start_argv(soulbox_process** out, soulbox_sandbox* sbx,
                                const char* const* argv, size_t argc,
                                const soulbox_run_options* opts, soulbox_error** err) {
    return guard(err, [&] {
        auto& slot = out_param(out, "out");
        slot = start(sbx, string_array(argv, argc, "argv"), opts);
    });
}

int soulbox_commands_list(soulbox_process_info_list** out, soulbox_sandbox* sbx,
                          soulbox_error** err) {
    return guard(err, [&] {
        auto& slot = out_param(out, "out");
        auto list = std::make_unique<soulbox_process_info_list>();
        for (auto& info : unwrap(need(sbx, "sbx").sandbox.commands().list()))
            list->items.push_back(info_object(std::move(info)));
        slot = list.release();
    });
}

int soulbox_commands_connect(soulbox_process** out, soulbox_sandbox* sbx, int pid,
                             soulbox_output_fn on_stdout, soulbox_output_fn on_stderr,
                             void* user_data, soulbox_error** err) {
    return guard(err, [&] {
        auto& slot = out_param(out, "out");
        auto& sandbox = need(sbx, "sbx").sandbox;
        auto gate = std::make_shared<CallbackGate>();
        auto handle =
            unwrap(sandbox.commands().connect(pid, output_callback(gate, on_stdout, user_data),
                                              output_callback(gate, on_stderr, user_data)));
        slot = make<soulbox_process>(std::move(handle), gate);
    });
}

int soulbox_commands_kill(soulbox_sandbox* sbx, int pid, int signal, soulbox_error** err) {
    return guard(err, [&] { unwrap(need(sbx, "sbx").sandbox.commands().kill(pid, signal)); });
}

int soulbox_commands_send_stdin(soulbox_sandbox* sbx, int pid, const void* data, size_t len,
                                soulbox_error** err) {
    return guard(err, [&] {
        auto& sandbox = need(sbx, "sbx").sandbox;
        unwrap(sandbox.commands().send_stdin(pid, bytes(data, len, "data")));
    });
}

int soulbox_process_pid(const soulbox_process* proc) {
    return proc ? proc->handle.pid() : 0;
}

int soulbox_process_wait(soulbox_command_result** out, soulbox_process* proc, soulbox_error** err) {
    return guard(err, [&] {
        auto& slot = out_param(out, "out");
        slot = result_object(unwrap(need(proc, "proc").handle.wait()));
    });
}

int soulbox_process_kill(soulbox_process* proc, int signal, soulbox_error** err) {
    return guard(err, [&] { unwrap(need(proc, "proc").handle.kill(signal)); });
}

int soulbox_process_send_stdin(soulbox_process* proc, const void* data, size_t len,
                               soulbox_error** err) {
    return guard(err, [&] {
        auto& handle = need(proc, "proc").handle;
        unwrap(handle.send_stdin(bytes(data, len, "data")));
    });
}

int soulbox_process_close_stdin(soulbox_process* proc, soulbox_error** err) {
    return guard(err, [&] { unwrap(need(proc, "proc").handle.close_stdin()); });
}

int soulbox_process_disconnect(soulbox_process* proc, soulbox_error** err) {
    return guard(err, [&] {
        auto& process = need(proc, "proc");
        process.gate->close();
        process.handle.disconnect();
    });
}

void soulbox_process_free(soulbox_process* proc) {
    if (!proc) return;
    proc->gate->close();
    delete proc; // ~CommandHandle disconnects a process that is still running
}

void soulbox_command_result_free(soulbox_command_result* res) {
    delete res;
}

int soulbox_command_result_exit_code(const soulbox_command_result* res) {
    return res ? res->result.exit_code : 0;
}

int soulbox_command_result_signal(const soulbox_command_result* res) {
    return res ? res->result.signal : 0;
}

const char* soulbox_command_result_stdout(const soulbox_command_result* res, size_t* len) {
    return output(res ? &res->result.stdout_data : nullptr, len);
}

const char* soulbox_command_result_stderr(const soulbox_command_result* res, size_t* len) {
    return output(res ? &res->result.stderr_data : nullptr, len);
}

const char* soulbox_command_result_error(const soulbox_command_result* res) {
    return res ? res->result.error.c_str() : "";
}

int soulbox_command_result_timed_out(const soulbox_command_result* res) {
    return res && res->result.timed_out;
}

int soulbox_command_result_oom_killed(const soulbox_command_result* res) {
    return res && res->result.oom_killed;
}

int soulbox_command_result_stdout_truncated(const soulbox_command_result* res) {
    return res && res->result.stdout_truncated;
}

int soulbox_command_result_stderr_truncated(const soulbox_command_result* res) {
    return res && res->result.stderr_truncated;
}

void soulbox_process_info_list_free(soulbox_process_info_list* list) {
    delete list;
}

size_t soulbox_process_info_list_count(const soulbox_process_info_list* list) {
    return list ? list->items.size() : 0;
}

const soulbox_process_info* soulbox_process_info_list_get(const soulbox_process_info_list* list,
                                                          size_t index) {
    return element(list, &soulbox_process_info_list::items, index);
}

int soulbox_process_info_pid(const soulbox_process_info* info) {
    return info ? info->info.pid : 0;
}

const char* soulbox_process_info_tag(const soulbox_process_info* info) {
    return info ? info->info.tag.c_str() : "";
}

const char* soulbox_process_info_cmd(const soulbox_process_info* info) {
    return info ? info->info.cmd.c_str() : "";
}

size_t soulbox_process_info_arg_count(const soulbox_process_info* info) {
    return info ? info->info.args.size() : 0;
}

const char* soulbox_process_info_arg(const soulbox_process_info* info, size_t index) {
    return info && index < info->info.args.size() ? info->info.args[index].c_str() : nullptr;
}

size_t soulbox_process_info_env_count(const soulbox_process_info* info) {
    return info ? info->envs.size() : 0;
}

const char* soulbox_process_info_env_key(const soulbox_process_info* info, size_t index) {
    return info && index < info->envs.size() ? info->envs[index].first.c_str() : nullptr;
}

const char* soulbox_process_info_env_value(const soulbox_process_info* info, size_t index) {
    return info && index < info->envs.size() ? info->envs[index].second.c_str() : nullptr;
}

const char* soulbox_process_info_cwd(const soulbox_process_info* info) {
    return info ? info->info.cwd.c_str() : "";
}

} // extern "C"
