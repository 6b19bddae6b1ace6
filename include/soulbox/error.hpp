// Error values for the C++ API: every fallible call returns Result<T>.
#pragma once

#include <expected>
#include <string>
#include <string_view>
#include <utility>

namespace soulbox {

// Stable numeric codes; the C ABI exposes the same numbers.
enum class Errc : int {
    ok = 0,
    invalid_argument = 1, // bad input from the caller
    not_found = 2,        // unknown sandbox id, process, path
    already_exists = 3,
    permission_denied = 4,
    unsupported = 5,         // the host lacks a feature (userns, cgroup controller, ...)
    limit_unenforceable = 6, // a requested resource limit cannot be applied here
    timeout = 7,
    not_running = 8, // the sandbox or process has ended
    io = 9,          // a system call failed
    protocol = 10,   // malformed message between host and agent
    not_enough_space = 11,
    internal = 12,
    not_a_directory = 13, // a path component or the target is not a directory
    is_a_directory = 14,  // a file operation on a directory
};

std::string_view errc_name(Errc code) noexcept;

struct Error {
    Errc code = Errc::internal;
    int sys_errno = 0; // errno of the failed system call, 0 if none
    std::string message;

    // Prefix the message with what the caller was doing ("create sandbox: ...").
    Error& context(std::string_view what);
    // "code: message (strerror)" for logs and CLI output.
    std::string describe() const;
};

// std::expected that must not be dropped: an ignored failure is a bug (the compiler says so).
template <class T> class [[nodiscard]] Result : public std::expected<T, Error> {
public:
    using std::expected<T, Error>::expected;
    // From the plain expected that and_then()/transform() return.
    Result(std::expected<T, Error> other) : std::expected<T, Error>(std::move(other)) {}
};
using Status = Result<void>;

Error make_error(Errc code, std::string message);
// An Error from errno (or the given value) with the failed operation named.
Error sys_error(std::string_view what, int err);
Error sys_error(std::string_view what); // uses errno

} // namespace soulbox
