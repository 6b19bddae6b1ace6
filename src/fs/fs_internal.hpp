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
// check_path, and the options' user (spec::validate_user).
Status check_request(std::string_view path, const FileOptions& options);

// A request for `op` on `path` as the options' user.
protocol::Message file_request(protocol::Op op, std::string_view path, const FileOptions& options);
// Send a file request and wait for its reply: a NOT_FOUND in it is about a path.
Result<protocol::Message> call(const std::shared_ptr<sandbox::Channel>& channel,
                               protocol::Message request);

// The nested `entry` fields of a reply as an EntryInfo.
Result<EntryInfo> decode_entry(std::string_view fields);
// The reply's first entry.
Result<EntryInfo> reply_entry(const protocol::Message& reply);
// "-rw-r--r--", "drwxrwxrwt", "lrwxrwxrwx", with setuid/setgid/sticky letters.
std::string permission_string(FileType type, std::uint32_t mode);

} // namespace soulbox::fs
