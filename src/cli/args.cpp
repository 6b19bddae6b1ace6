#include "cli/args.hpp"

#include "cli/options.hpp"

#include <algorithm>

namespace soulbox::cli {

namespace {

bool is_help_flag(std::string_view arg) {
    return arg == "--help" || arg == "-h";
}

std::unexpected<UsageError> usage(std::optional<Command> command, std::string message) {
    return std::unexpected(UsageError{command, std::move(message)});
}

// The command named by the first one or two words ("exec", "files", "files ls"), and how many
// words it took. A group without a known subcommand after it is returned as the group.
const CommandSpec* lookup(std::span<const char* const> args, std::size_t& words) {
    words = 1;
    const CommandSpec* spec = find_command(args[0]);
    if (!spec || !spec->is_group || args.size() < 2) return spec;
    std::string two = std::string(args[0]) + " " + args[1];
    if (const CommandSpec* member = find_command(two)) {
        words = 2;
        return member;
    }
    return spec;
}

std::string subcommand_list(const CommandSpec& group) {
    std::string names;
    for (const CommandSpec* member : group_members(group)) {
        if (!names.empty()) names += ", ";
        names += member->name.substr(group.name.size() + 1);
    }
    return names;
}

// `soulbox help [COMMAND [SUBCOMMAND]]`, `soulbox --help`, `soulbox --version`.
std::optional<std::expected<Invocation, UsageError>>
parse_global(std::span<const char* const> args) {
    std::string_view first = args[0];
    Invocation inv;
    if (first == "--version" || first == "version") {
        inv.command = Command::version;
        return inv;
    }
    if (!is_help_flag(first) && first != "help") return std::nullopt;
    inv.command = Command::help;
    if (args.size() > 1) {
        std::size_t words = 0;
        const CommandSpec* topic = lookup(args.subspan(1), words);
        if (!topic)
            return usage(std::nullopt,
                         "no help for unknown command '" + std::string(args[1]) + "'");
        inv.help_topic = topic->command;
    }
    return inv;
}

} // namespace

std::expected<Invocation, UsageError> parse_arguments(std::span<const char* const> args) {
    if (args.empty()) return usage(std::nullopt, "no command given");
    if (auto global = parse_global(args)) return std::move(*global);

    std::size_t words = 0;
    const CommandSpec* command = lookup(args, words);
    if (!command) return usage(std::nullopt, "unknown command '" + std::string(args[0]) + "'");
    Invocation inv;
    inv.command = command->command;
    auto rest = args.subspan(words);
    if (command->is_group) {
        // `soulbox files --help` shows the group; anything else needs a known subcommand.
        if (!rest.empty() && is_help_flag(rest[0])) {
            inv.command = Command::help;
            inv.help_topic = command->command;
            return inv;
        }
        std::string known = " (one of: " + subcommand_list(*command) + ")";
        if (rest.empty()) return usage(command->command, "missing subcommand" + known);
        return usage(command->command, "unknown subcommand '" + std::string(rest[0]) + "'" + known);
    }

    // Help wins over everything else before "--", even over mistakes in other options.
    auto dashes = std::find_if(rest.begin(), rest.end(),
                               [](const char* a) { return std::string_view(a) == "--"; });
    if (std::any_of(rest.begin(), dashes, [](const char* a) { return is_help_flag(a); })) {
        inv.command = Command::help;
        inv.help_topic = command->command;
        return inv;
    }

    std::vector<std::string_view> positional;
    bool saw_dashes = false;
    for (std::size_t i = 0; i < rest.size(); ++i) {
        std::string_view arg = rest[i];
        if (arg == "--") {
            if (!command->takes_argv)
                return usage(command->command, "unexpected '--': this command runs nothing");
            inv.argv.assign(rest.begin() + static_cast<std::ptrdiff_t>(i) + 1, rest.end());
            saw_dashes = true;
            break;
        }
        if (arg.size() < 2 || arg.front() != '-') {
            positional.push_back(arg);
            continue;
        }
        std::string_view name = arg;
        std::optional<std::string_view> value;
        if (auto eq = arg.find('='); eq != std::string_view::npos) {
            name = arg.substr(0, eq);
            value = arg.substr(eq + 1);
        }
        const OptionSpec* option = find_option(name, *command);
        if (!option) return usage(command->command, "unknown option '" + std::string(name) + "'");
        bool takes_value = !option->value_name.empty();
        if (!takes_value && value)
            return usage(command->command, std::string(name) + " takes no value");
        // The next argument is the value even if it starts with '-': "--cpus -1" is a bad
        // number, not a missing one.
        if (takes_value && !value) {
            if (i + 1 == rest.size())
                return usage(command->command, "missing value for " + std::string(name));
            value = rest[++i];
        }
        if (auto applied = option->apply(inv, value.value_or("")); !applied)
            return usage(command->command, "invalid value '" + std::string(*value) + "' for " +
                                               std::string(name) + ": " + applied.error());
    }

    auto operands = operand_names(*command);
    std::size_t first_operand = command->takes_sandbox_id ? 1 : 0;
    std::size_t wanted = first_operand + operands.size();
    if (positional.empty() && command->takes_sandbox_id)
        return usage(command->command, "missing sandbox ID");
    if (positional.size() < wanted)
        return usage(command->command,
                     "missing " + std::string(operands[positional.size() - first_operand]));
    if (positional.size() > wanted) {
        std::string message = "unexpected argument '" + std::string(positional[wanted]) + "'";
        if (command->takes_argv) message += " (put the command after '--')";
        return usage(command->command, message);
    }
    if (command->takes_sandbox_id) inv.sandbox_id = std::string(positional[0]);
    for (std::size_t i = first_operand; i < positional.size(); ++i)
        inv.operands.emplace_back(positional[i]);
    if (command->takes_argv && (!saw_dashes || inv.argv.empty()))
        return usage(command->command, "missing command (give it after '--')");
    return inv;
}

} // namespace soulbox::cli
