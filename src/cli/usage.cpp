#include "cli/usage.hpp"

#include "cli/options.hpp"

#include <fmt/format.h>

namespace soulbox::cli {

namespace {

std::string synopsis(const CommandSpec& command) {
    std::string line = "soulbox " + std::string(command.name);
    if (command.is_group) return line + " SUBCOMMAND ...";
    if (command.takes_sandbox_id) line += " ID";
    if (!command.operands.empty()) line += " " + std::string(command.operands);
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
    // Subcommands ("files ls") are listed by their group's help.
    for (const auto& command : command_table())
        if (command.name.find(' ') == std::string_view::npos)
            text += fmt::format("  {:<8}{}\n", command.name, command.summary);
    text += "\nRun 'soulbox COMMAND --help' for a command's options.\n"
            "Other: soulbox --help, soulbox --version\n";
    return text;
}

std::string group_usage(const CommandSpec& group) {
    std::string text =
        "Usage: " + synopsis(group) + "\n\n" + std::string(group.summary) + ".\n\nSubcommands:\n";
    for (const CommandSpec* member : group_members(group))
        text += fmt::format("  {}\n      {}\n", synopsis(*member), member->summary);
    text += "\nRun 'soulbox " + std::string(group.name) +
            " SUBCOMMAND --help' for a subcommand's options.\n";
    return text;
}

std::string extra_notes(const CommandSpec& spec) {
    if (spec.takes_argv)
        return "\nThe command runs without a shell; its output streams to this terminal and\n"
               "soulbox exits with its exit code (128+N if killed by signal N, 124 on timeout).\n";
    if (spec.command == Command::shell)
        return "\nAttaches this terminal (raw mode) to a new terminal in the sandbox running\n"
               "bash; window size changes follow. soulbox exits with the shell's exit code.\n"
               "Without a terminal on stdin, input is passed through as typed text (24x80).\n";
    if (spec.command == Command::files_put || spec.command == Command::files_get)
        return "\nA directory is copied as a tree, keeping permission bits. An existing\n"
               "directory at the destination receives the copy under the source's name.\n"
               "Symlinks are recreated by get and skipped (with a warning) by put.\n";
    return {};
}

} // namespace

std::string usage_text(std::optional<Command> command) {
    const CommandSpec* spec = command ? find_command(*command) : nullptr;
    if (!spec) return overview();
    if (spec->is_group) return group_usage(*spec);
    std::string text = "Usage: " + synopsis(*spec) + "\n\n" + std::string(spec->summary) + "\n";
    text += extra_notes(*spec);
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
