// Writing to the CLI's own stdout and stderr. Everything goes through write(2) so output
// written from the library's event-loop thread and from main never sits in a stdio buffer.
#pragma once

#include "soulbox/error.hpp"

#include <string_view>

namespace soulbox::cli {

// Exit codes of the CLI itself (a command's own code passes through run and exec).
inline constexpr int kExitFailure = 1; // the operation failed
inline constexpr int kExitUsage = 2;   // the command line was wrong

// Write all of `data`, retrying on EINTR and waiting out EAGAIN. False on any other error
// (errno says which; EPIPE when the reader went away).
bool write_all(int fd, std::string_view data);

// Print "soulbox: <message>" as one line on stderr (newlines in the message become spaces).
void print_error(std::string_view message);

// Print an error from the library as one line, prefixed with what the CLI was doing unless
// the library already said so. Returns kExitFailure.
int report(std::string_view doing, const Error& error);

} // namespace soulbox::cli
