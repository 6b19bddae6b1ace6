// The command and option tables: every command and option is declared once here, and both the
// parser and the help text are driven by them.
#pragma once

#include "cli/invocation.hpp"

#include <expected>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace soulbox::cli {

// Bit per command, so one option entry can serve run, create and exec.
enum CommandBit : unsigned {
    kRunBit = 1u << 0,
    kCreateBit = 1u << 1,
    kExecBit = 1u << 2,
    kLsBit = 1u << 3,
    kInfoBit = 1u << 4,
    kKillBit = 1u << 5,
    kGcBit = 1u << 6,
};

struct CommandSpec {
    std::string_view name;
    Command command;
    CommandBit bit;
    bool takes_sandbox_id; // one positional ID argument
    bool takes_argv;       // "-- CMD [ARGS...]"
    std::string_view summary;
};

// Stores a value into the invocation; returns why the value is invalid.
using ApplyOption = std::expected<void, std::string> (*)(Invocation&, std::string_view value);

struct OptionSpec {
    std::string_view name;       // "--memory"
    std::string_view value_name; // "BYTES"; empty for a flag
    unsigned commands;           // CommandBit mask
    std::string_view help;
    ApplyOption apply;
    bool repeatable = false; // for the help text
};

std::span<const CommandSpec> command_table();
std::span<const OptionSpec> option_table();

const CommandSpec* find_command(std::string_view name);
const CommandSpec* find_command(Command command);
// The entry for `name` that applies to `command`, or null.
const OptionSpec* find_option(std::string_view name, const CommandSpec& command);

} // namespace soulbox::cli
