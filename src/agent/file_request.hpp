// What every file request (fs_* ops) starts with: the user it acts as and its paths.
#pragma once

#include "agent/fs_identity.hpp"
#include "protocol/message.hpp"

#include <string>
#include <string_view>
#include <sys/types.h>

namespace soulbox::agent {

// The sandbox's users as the file operations know them.
struct FileIdentity {
    uid_t user_uid = 1000; // the sandbox user; root is uid 0 (absent when rootless)
    gid_t user_gid = 1000;
    bool rootless = false;
};

// The request's `user` ("user", the default, or "root") as file-system ids and home directory.
struct FileUser {
    FsIds ids;
    std::string_view home;
};

// invalid_argument for an unknown user; unsupported for root in a rootless sandbox.
Result<FileUser> file_user(const FileIdentity& identity, const protocol::Message& request);

// The request's path field `field`, absolute (relative paths start at the user's home) and
// normalized (path_resolver.hpp).
Result<std::string> request_path(const FileUser& user, const protocol::Message& request,
                                 protocol::Field field = protocol::Field::path);

// Check the request's user and path, then run `op(user, path)` with the user's fs ids.
// `root` is the agent's O_PATH descriptor of "/", which every path is resolved under.
template <class Op>
Result<protocol::Message> as_user(const FileIdentity& identity, int root,
                                  const protocol::Message& request, Op&& op) {
    auto user = file_user(identity, request);
    if (!user) return std::unexpected(user.error());
    auto path = request_path(*user, request);
    if (!path) return std::unexpected(path.error());
    if (root < 0)
        return std::unexpected(make_error(Errc::internal, "the agent has no root directory"));
    FsIdentityScope scope(user->ids);
    return op(*user, *path);
}

// An error from a system call about `path`, with its errno.
Error path_error(std::string_view path, int err);
// The resolver names the part it was opening; callers want the path they asked about.
Error about(std::string_view path, const Error& error);

} // namespace soulbox::agent
