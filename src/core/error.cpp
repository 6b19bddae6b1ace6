#include "soulbox/error.hpp"

#include <cerrno>
#include <cstring>

namespace soulbox {

Error& Error::context(std::string_view what) {
    message.insert(0, std::string(what) + ": ");
    return *this;
}

std::string Error::describe() const {
    std::string out = message;
    if (sys_errno != 0 && message.find(std::strerror(sys_errno)) == std::string::npos) {
        out += " (";
        out += std::strerror(sys_errno);
        out += ")";
    }
    return out;
}

Error make_error(Errc code, std::string message) {
    return Error{code, 0, std::move(message)};
}

static Errc errc_from_errno(int err) {
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

Error sys_error(std::string_view what, int err) {
    return Error{errc_from_errno(err), err, std::string(what) + ": " + std::strerror(err)};
}

Error sys_error(std::string_view what) {
    return sys_error(what, errno);
}

} // namespace soulbox
