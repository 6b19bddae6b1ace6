// Terminals in a sandbox (E2B `pty`). The agent opens the terminal in the sandbox's own devpts
// and passes its master side here; output is read from it and input written to it directly.
#include "process/process_internal.hpp"
#include "spec/spec.hpp"

namespace soulbox {

using protocol::Field;
using protocol::Message;
using protocol::Op;

using process::invalid;

Result<CommandHandle> Pty::create(PtyOptions options) {
    if (!sandbox_->state_) return std::unexpected(invalid("sandbox object was moved from"));
    if (auto s = spec::validate_terminal_size(options.size.rows, options.size.cols); !s)
        return std::unexpected(s.error());
    if (options.cmd.empty()) options.cmd = {"/bin/bash", "-i", "-l"};
    options.envs.try_emplace("TERM", "xterm-256color");
    options.envs.try_emplace("LANG", "C.UTF-8");
    const std::string tag = "pty";
    auto request = process::spawn_request(
        {options.cmd, options.envs, options.cwd, options.user, tag, options.timeout});
    if (!request) return std::unexpected(request.error());
    request->add_u64(Field::pty_rows, options.size.rows);
    request->add_u64(Field::pty_cols, options.size.cols);
    auto reply = process::request(*sandbox_->state_, std::move(*request), ErrorSubject::path);
    if (!reply) return std::unexpected(reply.error());
    auto state = process::adopt(sandbox_->state_, *reply, std::move(options.on_data), {},
                                RunOptions{}.max_output_bytes);
    if (!state) return std::unexpected(state.error());
    return CommandHandle(std::move(*state));
}

Status Pty::send_stdin(int pid, std::string_view data) {
    return sandbox_->commands().send_stdin(pid, data);
}

Status Pty::resize(int pid, PtySize size) {
    if (!sandbox_->state_) return std::unexpected(invalid("sandbox object was moved from"));
    if (auto s = spec::validate_terminal_size(size.rows, size.cols); !s) return s;
    Message request(Op::resize, 0);
    request.add_u64(Field::pid, static_cast<std::uint64_t>(pid));
    request.add_u64(Field::pty_rows, size.rows);
    request.add_u64(Field::pty_cols, size.cols);
    auto reply = process::request(*sandbox_->state_, std::move(request), ErrorSubject::process);
    if (!reply) return std::unexpected(reply.error());
    return {};
}

Status Pty::kill(int pid) {
    return sandbox_->commands().kill(pid, 9);
}

Result<CommandHandle> Pty::connect(int pid, OutputCallback on_data) {
    return sandbox_->commands().connect(pid, std::move(on_data));
}

} // namespace soulbox
