// soulbox: the command-line interface to SoulBox sandboxes.
#include "cli/args.hpp"
#include "cli/commands.hpp"
#include "cli/console.hpp"
#include "cli/options.hpp"
#include "cli/signals.hpp"
#include "cli/usage.hpp"

#include <span>
#include <unistd.h>

#ifndef SOULBOX_VERSION
#define SOULBOX_VERSION "unknown"
#endif

namespace soulbox::cli {
namespace {

int usage_error(const UsageError& error) {
    std::string message;
    std::string help = "soulbox --help";
    if (error.command) {
        std::string name(find_command(*error.command)->name);
        message = name + ": ";
        help = "soulbox " + name + " --help";
    }
    print_error(message + error.message + " (see '" + help + "')");
    return kExitUsage;
}

int dispatch(Invocation& inv) {
    switch (inv.command) {
    case Command::help:
        return write_all(STDOUT_FILENO, usage_text(inv.help_topic)) ? 0 : kExitFailure;
    case Command::version:
        return write_all(STDOUT_FILENO, "soulbox " SOULBOX_VERSION "\n") ? 0 : kExitFailure;
    case Command::run:
        return run_command(inv);
    case Command::create:
        return create_command(inv);
    case Command::exec:
        return exec_command(inv);
    case Command::ls:
        return ls_command(inv);
    case Command::info:
        return info_command(inv);
    case Command::kill:
        return kill_command(inv);
    case Command::gc:
        return gc_command();
    case Command::shell:
        return shell_command(inv);
    case Command::files_ls:
    case Command::files_cat:
    case Command::files_put:
    case Command::files_get:
    case Command::files_rm:
    case Command::files_mkdir:
        return files_command(inv);
    case Command::files: // the parser never returns a bare group
        break;
    }
    return kExitFailure;
}

} // namespace
} // namespace soulbox::cli

int main(int argc, char** argv) {
    using namespace soulbox::cli;
    // Before anything can start a thread, so that every thread inherits the blocked signals.
    if (!start_signal_watcher())
        print_error("warning: cannot watch signals; Ctrl-C may leave "
                    "a sandbox running until its timeout");
    const char* const* first = argv + 1;
    std::span<const char* const> args(first, argc > 0 ? static_cast<std::size_t>(argc - 1) : 0);
    auto invocation = parse_arguments(args);
    if (!invocation) return usage_error(invocation.error());
    return dispatch(*invocation);
}
