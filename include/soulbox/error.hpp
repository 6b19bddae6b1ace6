// Error values for the C++ API: every fallible call returns Result<T>. Header-only: the public
// layer over the C ABI and the library itself share it.
#pragma once

#include <cerrno>
#include <cstring>
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

inline std::string_view errc_name(Errc code) noexcept {
    switch (code) {
    case Errc::ok:
        return "ok";
    case Errc::invalid_argument:
        return "invalid argument";
    case Errc::not_found:
        return "not found";
    case Errc::already_exists:
        return "already exists";
    case Errc::permission_denied:
        return "permission denied";
    case Errc::unsupported:
        return "unsupported";
    case Errc::limit_unenforceable:
        return "limit cannot be enforced";
    case Errc::timeout:
        return "timeout";
    case Errc::not_running:
        return "not running";
    case Errc::io:
        return "i/o error";
    case Errc::protocol:
        return "protocol error";
    case Errc::not_enough_space:
        return "not enough space";
    case Errc::internal:
        return "internal error";
    case Errc::not_a_directory:
        return "not a directory";
    case Errc::is_a_directory:
        return "is a directory";
    }
    return "unknown error";
}

inline Error& Error::context(std::string_view what) {
    message.insert(0, std::string(what) + ": ");
    return *this;
}

inline std::string Error::describe() const {
    std::string out = message;
    if (sys_errno != 0 && message.find(std::strerror(sys_errno)) == std::string::npos) {
        out += " (";
        out += std::strerror(sys_errno);
        out += ")";
    }
    return out;
}

inline Error make_error(Errc code, std::string message) {
    return Error{code, 0, std::move(message)};
}

// The Errc for an errno value.
inline Errc errc_from_errno(int err) noexcept {
    switch (err) {
    case ENOENT:
    case ESRCH:
        return Errc::not_found;
    case EEXIST:
        return Errc::already_exists;
    case EACCES:
    case EPERM:
        return Errc::permission_denied;
    case EINVAL:
    case ENAMETOOLONG:
    case E2BIG:
        return Errc::invalid_argument;
    case ENOSYS:
    case EOPNOTSUPP:
        return Errc::unsupported;
    case ENOSPC:
    case EDQUOT:
        return Errc::not_enough_space;
    case ETIMEDOUT:
        return Errc::timeout;
    case ENOTDIR:
        return Errc::not_a_directory;
    case EISDIR:
        return Errc::is_a_directory;
    default:
        return Errc::io;
    }
}

inline Error sys_error(std::string_view what, int err) {
    return Error{errc_from_errno(err), err, std::string(what) + ": " + std::strerror(err)};
}

inline Error sys_error(std::string_view what) {
    return sys_error(what, errno);
}

} // namespace soulbox
