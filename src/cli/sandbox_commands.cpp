// create, ls, info, kill, gc: managing sandboxes.
#include "cli/commands.hpp"
#include "cli/console.hpp"
#include "cli/json_output.hpp"
#include "cli/signals.hpp"
#include "cli/text_output.hpp"

#include <unistd.h>

namespace soulbox::cli {

namespace {

int print(const std::string& text) {
    // A reader that went away (`soulbox ls | head -1`) is not worth a message.
    return write_all(STDOUT_FILENO, text) ? 0 : kExitFailure;
}

} // namespace

int create_command(Invocation& inv) {
    SandboxOptions options = std::move(inv.sandbox);
    options.envs = std::move(inv.envs);
    if (inv.timeout) options.timeout = *inv.timeout;

    // Until the id is printed nobody else can find the sandbox: a signal in that window
    // kills it rather than leaving it to run until its timeout.
    std::optional<Sandbox> sandbox;
    if (auto created = create_killable_sandbox(options, sandbox); !created)
        return report("create sandbox", created.error());
    int status = print(sandbox->id() + "\n");
    set_signal_action({});
    return status;
}

int ls_command(const Invocation& inv) {
    auto sandboxes = Sandbox::list();
    if (!sandboxes) return report("list sandboxes", sandboxes.error());
    return print(inv.json ? sandbox_list_json(*sandboxes) + "\n" : sandbox_table(*sandboxes));
}

int info_command(const Invocation& inv) {
    auto sandbox = Sandbox::connect(inv.sandbox_id);
    if (!sandbox) return report("info", sandbox.error());
    auto info = sandbox->info();
    if (!info) return report("info", info.error());
    return print(inv.json ? sandbox_info_json(*info) + "\n" : sandbox_details(*info));
}

int kill_command(const Invocation& inv) {
    auto sandbox = Sandbox::connect(inv.sandbox_id);
    if (!sandbox) return report("kill", sandbox.error());
    if (auto killed = sandbox->kill(); !killed) return report("kill", killed.error());
    return 0;
}

int gc_command() {
    auto removed = Sandbox::gc();
    if (!removed) return report("gc", removed.error());
    return print("removed " + std::to_string(*removed) + "\n");
}

} // namespace soulbox::cli
