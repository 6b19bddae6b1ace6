// What the user asked for, as parsed from the command line.
#pragma once

#include "soulbox/soulbox.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace soulbox::cli {

enum class Command {
    help,
    version,
    run,
    create,
    exec,
    ls,
    info,
    kill,
    gc,
    shell,
    files, // the group: its help lists the files subcommands
    files_ls,
    files_cat,
    files_put,
    files_get,
    files_rm,
    files_mkdir,
};

struct Invocation {
    Command command = Command::help;
    // `help` shows the usage of this command; none = the overview.
    std::optional<Command> help_topic;
    bool json = false;
    std::string sandbox_id; // exec, info, kill, shell, files
    // The positional arguments after the ID (the files commands' paths), in table order.
    std::vector<std::string> operands;
    // Sandbox options (run, create). Its timeout is set by the command from `timeout`, whose
    // meaning depends on the command.
    SandboxOptions sandbox;
    std::optional<std::chrono::seconds> timeout;
    // --env: the command's environment for run and exec, the sandbox's for create.
    StringMap envs;
    std::string cwd;               // run, exec, shell; empty = the user's home
    std::string user = "user";     // run, exec, shell
    int depth = 1;                 // files ls
    std::vector<std::string> argv; // the command after "--" (run, exec)
};

} // namespace soulbox::cli
