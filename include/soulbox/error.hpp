// Error values for the C++ API: every fallible call returns Result<T>. Header-only: the public
// layer over the C ABI and the library itself share it.
#pragma once

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <expected>
#include <iterator>
#include <string>
#include <string_view>
#include <utility>

namespace soulbox {

// BEGIN GENERATED errc: scripts/gen-errors.py from src/core/error_codes.txt
// clang-format off
// Stable numeric codes; the C ABI exposes the same numbers (soulbox_errc).
enum class Errc : int {
    ok = 0,
    invalid_argument = 1, // bad input from the caller
    not_found = 2, // unknown sandbox id, process, path, template (the subject says which)
    already_exists = 3,
    permission_denied = 4,
    unsupported = 5, // the host lacks a feature (userns, ...); a version mismatch
    limit_unenforceable = 6, // a requested resource limit cannot be applied here
    timeout = 7,
    not_running = 8, // the sandbox or process has ended
    io = 9, // a system call failed
    protocol = 10, // malformed message between host and agent
    not_enough_space = 11,
    internal = 12,
    not_a_directory = 13, // a path component or the target is not a directory
    is_a_directory = 14, // a file operation on a directory
};

// What an error refers to, so that callers (and the bindings) can tell a missing file from
// an unknown sandbox id; the C ABI exposes the same numbers (soulbox_subject).
enum class ErrorSubject : int {
    none = 0, // nothing in particular
    sandbox = 1, // a sandbox id
    process = 2, // a process id inside the sandbox
    path = 3, // a path inside the sandbox
    template_name = 4, // a template name
};

namespace detail {
// Indexed by number: what errc_name() and error_subject_name() return.
inline constexpr std::string_view kErrcNames[] = {
    "ok",
    "invalid argument",
    "not found",
    "already exists",
    "permission denied",
    "unsupported",
    "limit cannot be enforced",
    "timeout",
    "not running",
    "i/o error",
    "protocol error",
    "not enough space",
    "internal error",
    "not a directory",
    "is a directory",
};
inline constexpr std::string_view kErrorSubjectNames[] = {
    "none",
    "sandbox",
    "process",
    "path",
    "template",
};
} // namespace detail
// clang-format on
// END GENERATED errc

// "not found", ...; "unknown error" for a number that is no code.
inline std::string_view errc_name(Errc code) noexcept {
    auto index = static_cast<std::size_t>(code);
    return index < std::size(detail::kErrcNames) ? detail::kErrcNames[index] : "unknown error";
}
// "path", ...; "unknown" for a number that is no subject.
inline std::string_view error_subject_name(ErrorSubject subject) noexcept {
    auto index = static_cast<std::size_t>(subject);
    return index < std::size(detail::kErrorSubjectNames) ? detail::kErrorSubjectNames[index]
                                                         : "unknown";
}

struct Error {
    Errc code = Errc::internal;
    int sys_errno = 0; // errno of the failed system call, 0 if none
    std::string message;
    // What the error refers to (a NOT_FOUND about a path is a missing file); none if nothing.
    ErrorSubject subject = ErrorSubject::none;

    // Says what the error refers to, unless that is already said (the innermost knows best).
    Error& about(ErrorSubject what) noexcept {
        if (subject == ErrorSubject::none) subject = what;
        return *this;
    }
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

// An Error from errno (or the given value) with the failed operation named.
inline Error sys_error(std::string_view what, int err) {
    return Error{errc_from_errno(err), err, std::string(what) + ": " + std::strerror(err)};
}
inline Error sys_error(std::string_view what) { // uses errno
    return sys_error(what, errno);
}

} // namespace soulbox
