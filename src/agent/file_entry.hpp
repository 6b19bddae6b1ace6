// The `entry` fields describing one file (docs/protocol.md, fs ops): what the host turns into
// an EntryInfo. Owner and group names come from the sandbox's own /etc/passwd and /etc/group.
#pragma once

#include "protocol/message.hpp"

#include <map>
#include <string>
#include <sys/stat.h>

namespace soulbox::agent {

// uid/gid -> name, read once per request.
struct IdNames {
    std::map<unsigned, std::string> users, groups;
    static IdNames load(int root_fd);
};

// lstat of `name` in dir_fd (name "" means dir_fd itself). Errors name `path`.
Result<struct stat> lstat_at(int dir_fd, const std::string& name, std::string_view path);

// The nested entry fields for a file whose lstat is `st`, found at `path` (absolute).
// A symlink's target is read from dir_fd/name.
protocol::Message entry_fields(int dir_fd, const std::string& name, std::string_view path,
                               const struct stat& st, const IdNames& names);

} // namespace soulbox::agent
