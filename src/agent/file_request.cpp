#include "agent/file_request.hpp"

#include "agent/path_resolver.hpp"

namespace soulbox::agent {

Result<FileUser> file_user(const FileIdentity& identity, const protocol::Message& request) {
    std::string_view user = request.get(protocol::Field::user).value_or("user");
    if (user == "user") return FileUser{{identity.user_uid, identity.user_gid}, "/home/user"};
    if (user != "root")
        return std::unexpected(make_error(
            Errc::invalid_argument, "unknown user '" + std::string(user) + "' (use user or root)"));
    if (identity.rootless)
        return std::unexpected(
            make_error(Errc::unsupported, "user 'root' is not available in a rootless sandbox"));
    return FileUser{{0, 0}, "/root"};
}

Result<std::string> request_path(const FileUser& user, const protocol::Message& request,
                                 protocol::Field field) {
    return normalize_path(request.get(field).value_or(""), user.home);
}

Error path_error(std::string_view path, int err) {
    return sys_error("'" + std::string(path) + "'", err);
}

Error about(std::string_view path, const Error& error) {
    if (error.sys_errno == 0) return error;
    return path_error(path, error.sys_errno);
}

} // namespace soulbox::agent
