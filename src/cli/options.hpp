// The command and option tables: every command and option is declared once here, and both the
// parser and the help text are driven by them.
#pragma once

#include "cli/invocation.hpp"

#include <expected>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

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
    kShellBit = 1u << 7,
    kFilesBit = 1u << 8,
    kFilesLsBit = 1u << 9,
    kFilesCatBit = 1u << 10,
    kFilesPutBit = 1u << 11,
    kFilesGetBit = 1u << 12,
    kFilesRmBit = 1u << 13,
    kFilesMkdirBit = 1u << 14,
};

struct CommandSpec {
    std::string_view name; // "exec"; a subcommand has its group in front: "files ls"
    Command command;
    CommandBit bit;
    bool takes_sandbox_id; // one positional ID argument
    bool takes_argv;       // "-- CMD [ARGS...]"
    std::string_view summary;
    // Positional arguments after the ID, space-separated, e.g. "LOCAL_PATH SANDBOX_PATH".
    std::string_view operands = {};
    bool is_group = false; // "files": only a prefix for its subcommands
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

// By full name: "exec", "files", "files ls".
const CommandSpec* find_command(std::string_view name);
const CommandSpec* find_command(Command command);
// The subcommands of a group ("files ls", "files cat", ... for "files").
std::vector<const CommandSpec*> group_members(const CommandSpec& group);
// The names in a space-separated operand list: "A B" -> {"A", "B"}.
std::vector<std::string_view> operand_names(const CommandSpec& command);
// The entry for `name` that applies to `command`, or null.
const OptionSpec* find_option(std::string_view name, const CommandSpec& command);

} // namespace soulbox::cli
