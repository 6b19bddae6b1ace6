// Command-line parsing: argv to an Invocation, or a usage error.
#pragma once

#include "cli/invocation.hpp"

#include <expected>
#include <optional>
#include <span>
#include <string>

namespace soulbox::cli {

struct UsageError {
    std::optional<Command> command; // the command being parsed, if known
    std::string message;
};

// `args` excludes the program name.
std::expected<Invocation, UsageError> parse_arguments(std::span<const char* const> args);

} // namespace soulbox::cli
