#include "cli/options.hpp"

#include "cli/numbers.hpp"
#include "spec/spec.hpp"

#include <array>
#include <string>

namespace soulbox::cli {

namespace {

using Applied = std::expected<void, std::string>;

constexpr unsigned kSandboxCommands = kRunBit | kCreateBit;
constexpr unsigned kProcessCommands = kRunBit | kExecBit;
// Largest --depth for files ls: deeper trees than this are not worth one listing.
constexpr std::uint64_t kMaxListDepth = 1000;

// K=V with a non-empty key; the value may itself contain '='.
Applied apply_pair(StringMap& into, std::string_view text) {
    auto eq = text.find('=');
    if (eq == std::string_view::npos || eq == 0) return std::unexpected("expected KEY=VALUE");
    into[std::string(text.substr(0, eq))] = std::string(text.substr(eq + 1));
    return {};
}

template <class T> Applied store(std::optional<T>& field, Parsed<T> parsed) {
    if (!parsed) return std::unexpected(parsed.error());
    field = *parsed;
    return {};
}

Applied apply_template(Invocation& inv, std::string_view v) {
    if (v.empty()) return std::unexpected("empty template name");
    inv.sandbox.template_name = std::string(v);
    return {};
}
Applied apply_memory(Invocation& inv, std::string_view v) {
    return store(inv.sandbox.limits.memory_bytes, parse_size(v));
}
Applied apply_pids(Invocation& inv, std::string_view v) {
    return store(inv.sandbox.limits.pids, parse_count(v));
}
Applied apply_cpus(Invocation& inv, std::string_view v) {
    return store(inv.sandbox.limits.cpus, parse_cpus(v));
}
Applied apply_disk(Invocation& inv, std::string_view v) {
    return store(inv.sandbox.limits.disk_bytes, parse_size(v));
}
Applied apply_timeout(Invocation& inv, std::string_view v) {
    return store(inv.timeout, parse_seconds(v));
}
Applied apply_env(Invocation& inv, std::string_view v) {
    return apply_pair(inv.envs, v);
}
Applied apply_metadata(Invocation& inv, std::string_view v) {
    return apply_pair(inv.sandbox.metadata, v);
}
Applied apply_cwd(Invocation& inv, std::string_view v) {
    if (v.empty() || v.front() != '/') return std::unexpected("must be an absolute path");
    inv.cwd = std::string(v);
    return {};
}
Applied apply_user(Invocation& inv, std::string_view v) {
    // The library's rule, checked here too so that a bad value is a usage error (exit 2).
    if (auto valid = spec::validate_user(v); !valid) return std::unexpected(valid.error().message);
    inv.user = std::string(v);
    return {};
}
Applied apply_depth(Invocation& inv, std::string_view v) {
    auto depth = parse_count(v);
    if (!depth) return std::unexpected(depth.error());
    if (*depth == 0 || *depth > kMaxListDepth)
        return std::unexpected("must be 1-" + std::to_string(kMaxListDepth));
    inv.depth = static_cast<int>(*depth);
    return {};
}
Applied apply_json(Invocation& inv, std::string_view) {
    inv.json = true;
    return {};
}

constexpr std::array kCommands{
    CommandSpec{"run", Command::run, kRunBit, false, true,
                "run a command in a new sandbox, then remove the sandbox"},
    CommandSpec{"create", Command::create, kCreateBit, false, false,
                "start a sandbox and print its id"},
    CommandSpec{"exec", Command::exec, kExecBit, true, true, "run a command in a running sandbox"},
    CommandSpec{"ls", Command::ls, kLsBit, false, false, "list running sandboxes"},
    CommandSpec{"info", Command::info, kInfoBit, true, false, "show one sandbox"},
    CommandSpec{"kill", Command::kill, kKillBit, true, false, "stop a sandbox"},
    CommandSpec{"gc", Command::gc, kGcBit, false, false,
                "clean up what dead sandboxes left behind"},
    CommandSpec{"shell", Command::shell, kShellBit, true, false,
                "open an interactive terminal in a running sandbox"},
    CommandSpec{"files",
                Command::files,
                kFilesBit,
                false,
                false,
                "list, read, copy and remove files in a running sandbox",
                {},
                true},
    CommandSpec{"files ls", Command::files_ls, kFilesLsBit, true, false,
                "list a directory (recursively with --depth)", "PATH"},
    CommandSpec{"files cat", Command::files_cat, kFilesCatBit, true, false,
                "write a file's contents to stdout", "PATH"},
    CommandSpec{"files put", Command::files_put, kFilesPutBit, true, false,
                "copy a local file or directory tree into the sandbox", "LOCAL_PATH SANDBOX_PATH"},
    CommandSpec{"files get", Command::files_get, kFilesGetBit, true, false,
                "copy a file or directory tree out of the sandbox", "SANDBOX_PATH LOCAL_PATH"},
    CommandSpec{"files rm", Command::files_rm, kFilesRmBit, true, false,
                "remove a file, symlink or directory tree", "PATH"},
    CommandSpec{"files mkdir", Command::files_mkdir, kFilesMkdirBit, true, false,
                "create a directory and its missing parents", "PATH"},
};

// An option may appear more than once with different command masks when its meaning (and so
// its help text) differs between commands; the parser takes the entry that matches.
constexpr std::array kOptions{
    OptionSpec{"--template", "T", kSandboxCommands, "sandbox template (default: host)",
               apply_template},
    OptionSpec{"--memory", "BYTES", kSandboxCommands,
               "memory limit, e.g. 512M (K/M/G/T = binary units; 0 = unlimited)", apply_memory},
    OptionSpec{"--pids", "N", kSandboxCommands, "process limit (0 = unlimited)", apply_pids},
    OptionSpec{"--cpus", "F", kSandboxCommands, "CPU cores, e.g. 0.5 (0 = unlimited)", apply_cpus},
    OptionSpec{"--disk", "BYTES", kSandboxCommands, "writable disk size, e.g. 1G", apply_disk},
    OptionSpec{"--timeout", "S", kRunBit,
               "command timeout and sandbox lifetime in seconds (default 300; 0 = none)",
               apply_timeout},
    OptionSpec{"--timeout", "S", kCreateBit, "sandbox lifetime in seconds (default 300; 0 = none)",
               apply_timeout},
    OptionSpec{"--timeout", "S", kExecBit, "command timeout in seconds (default 0 = none)",
               apply_timeout},
    OptionSpec{"--env", "K=V", kProcessCommands, "environment variable for the command", apply_env,
               true},
    OptionSpec{"--env", "K=V", kCreateBit, "environment variable for every process", apply_env,
               true},
    OptionSpec{"--metadata", "K=V", kCreateBit, "metadata shown by ls and info", apply_metadata,
               true},
    OptionSpec{"--cwd", "DIR", kProcessCommands, "working directory (default: the user's home)",
               apply_cwd},
    OptionSpec{"--user", "U", kProcessCommands, "'user' (uid 1000, the default) or 'root'",
               apply_user},
    OptionSpec{"--json", "", kRunBit | kExecBit,
               "print one JSON object with the output and status instead of streaming", apply_json},
    OptionSpec{"--json", "", kLsBit | kInfoBit, "print JSON", apply_json},
    OptionSpec{"--cwd", "DIR", kShellBit, "starting directory (default: the user's home)",
               apply_cwd},
    OptionSpec{"--user", "U", kShellBit, "'user' (uid 1000, the default) or 'root'", apply_user},
    OptionSpec{"--depth", "N", kFilesLsBit, "levels to list (default 1: the directory's entries)",
               apply_depth},
    OptionSpec{"--json", "", kFilesLsBit, "print a JSON array of entries", apply_json},
};

} // namespace

std::span<const CommandSpec> command_table() {
    return kCommands;
}
std::span<const OptionSpec> option_table() {
    return kOptions;
}

const CommandSpec* find_command(std::string_view name) {
    for (const auto& spec : kCommands)
        if (spec.name == name) return &spec;
    return nullptr;
}

const CommandSpec* find_command(Command command) {
    for (const auto& spec : kCommands)
        if (spec.command == command) return &spec;
    return nullptr;
}

std::vector<const CommandSpec*> group_members(const CommandSpec& group) {
    std::vector<const CommandSpec*> members;
    for (const auto& spec : kCommands)
        if (spec.name.size() > group.name.size() && spec.name.starts_with(group.name) &&
            spec.name[group.name.size()] == ' ')
            members.push_back(&spec);
    return members;
}

std::vector<std::string_view> operand_names(const CommandSpec& command) {
    std::vector<std::string_view> names;
    std::string_view rest = command.operands;
    while (!rest.empty()) {
        auto space = rest.find(' ');
        names.push_back(rest.substr(0, space));
        rest.remove_prefix(space == std::string_view::npos ? rest.size() : space + 1);
    }
    return names;
}

const OptionSpec* find_option(std::string_view name, const CommandSpec& command) {
    for (const auto& spec : kOptions)
        if (spec.name == name && (spec.commands & command.bit)) return &spec;
    return nullptr;
}

} // namespace soulbox::cli
