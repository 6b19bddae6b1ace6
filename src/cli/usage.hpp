// Help text, generated from the command and option tables.
#pragma once

#include "cli/invocation.hpp"

#include <optional>
#include <string>

namespace soulbox::cli {

// The overview when `command` is empty, else that command's usage and options.
std::string usage_text(std::optional<Command> command);

} // namespace soulbox::cli
