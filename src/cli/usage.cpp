#include "cli/usage.hpp"

#include "cli/options.hpp"

#include <fmt/format.h>

namespace soulbox::cli {

namespace {

std::string synopsis(const CommandSpec& command) {
    std::string line = "soulbox " + std::string(command.name);
    if (command.takes_sandbox_id) line += " ID";
    bool has_options = false;
    for (const auto& option : option_table())
        has_options = has_options || (option.commands & command.bit);
    if (has_options) line += " [OPTIONS]";
    if (command.takes_argv) line += " -- CMD [ARGS...]";
    return line;
}

std::string overview() {
    std::string text = "Usage: soulbox COMMAND [OPTIONS]\n\nRun code in isolated sandboxes.\n\n"
                       "Commands:\n";
    for (const auto& command : command_table())
        text += fmt::format("  {:<8}{}\n", command.name, command.summary);
    text += "\nRun 'soulbox COMMAND --help' for a command's options.\n"
            "Other: soulbox --help, soulbox --version\n";
    return text;
}

} // namespace

std::string usage_text(std::optional<Command> command) {
    const CommandSpec* spec = command ? find_command(*command) : nullptr;
    if (!spec) return overview();
    std::string text = "Usage: " + synopsis(*spec) + "\n\n" + std::string(spec->summary) + "\n";
    if (spec->takes_argv)
        text += "\nThe command runs without a shell; its output streams to this terminal and\n"
                "soulbox exits with its exit code (128+N if killed by signal N, 124 on timeout).\n";
    text += "\nOptions:\n";
    for (const auto& option : option_table()) {
        if (!(option.commands & spec->bit)) continue;
        std::string left = std::string(option.name);
        if (!option.value_name.empty()) left += " " + std::string(option.value_name);
        if (option.repeatable) left += " ...";
        text += fmt::format("  {:<20}{}\n", left, option.help);
    }
    text += fmt::format("  {:<20}{}\n", "--help", "show this help");
    return text;
}

} // namespace soulbox::cli
