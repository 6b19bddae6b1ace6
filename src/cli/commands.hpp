// The CLI commands. Each returns the process exit code.
#pragma once

#include "cli/invocation.hpp"

namespace soulbox::cli {

int run_command(Invocation& inv);  // soulbox run
int exec_command(Invocation& inv); // soulbox exec
int create_command(Invocation& inv);
int ls_command(const Invocation& inv);
int info_command(const Invocation& inv);
int kill_command(const Invocation& inv);
int gc_command();
int shell_command(const Invocation& inv);
// files ls, cat, put, get, rm and mkdir.
int files_command(const Invocation& inv);

} // namespace soulbox::cli
