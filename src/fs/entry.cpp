// EntryInfo from the agent's entry fields (docs/protocol.md, fs ops).
#include "fs/fs_internal.hpp"

#include "agent/path_resolver.hpp"
#include "spec/spec.hpp"

namespace soulbox::fs {

using protocol::Field;
using protocol::Message;

Status check_path(std::string_view path) {
    return agent::validate_path(path);
}

Status check_request(std::string_view path, const FileOptions& options) {
    if (auto s = check_path(path); !s) return s;
    return spec::validate_user(options.user);
}

Message file_request(protocol::Op op, std::string_view path, const FileOptions& options) {
    Message request(op, 0);
    request.add(Field::path, path);
    request.add(Field::user, options.user);
    return request;
}

Result<Message> call(const std::shared_ptr<sandbox::Channel>& channel, Message request) {
    if (!channel) return std::unexpected(make_error(Errc::not_running, "sandbox is not connected"));
    auto reply = channel->request(std::move(request));
    if (!reply && reply.error().code == Errc::not_found) reply.error().about(ErrorSubject::path);
    return reply;
}

std::string permission_string(FileType type, std::uint32_t mode) {
    std::string out(10, '-');
    out[0] = type == FileType::dir       ? 'd'
             : type == FileType::symlink ? 'l'
             : type == FileType::other   ? '?'
                                         : '-';
    const char* rwx = "rwx";
    for (int i = 0; i < 9; ++i)
        if (mode & (0400u >> i)) out[1 + i] = rwx[i % 3];
    auto special = [&](std::uint32_t bit, int at, char set_exec, char set_plain) {
        if (mode & bit) out[at] = out[at] == 'x' ? set_exec : set_plain;
    };
    special(04000, 3, 's', 'S');
    special(02000, 6, 's', 'S');
    special(01000, 9, 't', 'T');
    return out;
}

Result<EntryInfo> decode_entry(std::string_view fields) {
    auto entry = Message::decode_fields(fields);
    if (!entry) return std::unexpected(entry.error());
    auto name = entry->get(Field::name);
    auto path = entry->get(Field::path);
    auto type = entry->get_u64(Field::file_type);
    if (!name || !path || !type || *type > 3)
        return std::unexpected(make_error(Errc::protocol, "malformed file entry from agent"));
    EntryInfo info;
    info.name = *name;
    info.path = *path;
    info.type = static_cast<FileType>(*type);
    info.size = entry->get_u64(Field::size).value_or(0);
    info.mode = static_cast<std::uint32_t>(entry->get_u64(Field::mode).value_or(0) & 07777);
    info.permissions = permission_string(info.type, info.mode);
    info.owner = entry->get(Field::owner_name).value_or("");
    info.group = entry->get(Field::group_name).value_or("");
    auto ns = entry->get_u64(Field::mtime_ns).value_or(0);
    info.modified_time = std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(
            std::chrono::nanoseconds(static_cast<std::int64_t>(ns))));
    if (auto target = entry->get(Field::symlink_target)) info.symlink_target = std::string(*target);
    return info;
}

Result<EntryInfo> reply_entry(const Message& reply) {
    auto fields = reply.get(Field::entry);
    if (!fields) return std::unexpected(make_error(Errc::protocol, "agent reply has no entry"));
    return decode_entry(*fields);
}

} // namespace soulbox::fs
