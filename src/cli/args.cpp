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

// `soulbox help [COMMAND]`, `soulbox --help`, `soulbox --version`.
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
        const CommandSpec* topic = find_command(args[1]);
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

    const CommandSpec* command = find_command(args[0]);
    if (!command) return usage(std::nullopt, "unknown command '" + std::string(args[0]) + "'");
    Invocation inv;
    inv.command = command->command;
    auto rest = args.subspan(1);

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

    std::size_t wanted = command->takes_sandbox_id ? 1 : 0;
    if (positional.size() < wanted) return usage(command->command, "missing sandbox ID");
    if (positional.size() > wanted) {
        std::string message = "unexpected argument '" + std::string(positional[wanted]) + "'";
        if (command->takes_argv) message += " (put the command after '--')";
        return usage(command->command, message);
    }
    if (wanted) inv.sandbox_id = std::string(positional[0]);
    if (command->takes_argv && (!saw_dashes || inv.argv.empty()))
        return usage(command->command, "missing command (give it after '--')");
    return inv;
}

} // namespace soulbox::cli
