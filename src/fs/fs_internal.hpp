// Host-side file API internals shared by filesystem.cpp and watch.cpp.
#pragma once

#include "api/files.hpp"
#include "protocol/message.hpp"
#include "sandbox/channel.hpp"

#include <memory>
#include <string_view>

namespace soulbox::fs {

// The same checks the agent makes, so bad input fails before a round trip: empty, NUL bytes,
// longer than PATH_MAX.
Status check_path(std::string_view path);
// "user" or "root".
Status check_user(const FileOptions& options);

// A request for `op` on `path` as the options' user.
protocol::Message file_request(protocol::Op op, std::string_view path, const FileOptions& options);

// The nested `entry` fields of a reply as an EntryInfo.
Result<EntryInfo> decode_entry(std::string_view fields);
// The reply's first entry.
Result<EntryInfo> reply_entry(const protocol::Message& reply);
// "-rw-r--r--", "drwxrwxrwt", "lrwxrwxrwx", with setuid/setgid/sticky letters.
std::string permission_string(FileType type, std::uint32_t mode);

} // namespace soulbox::fs
