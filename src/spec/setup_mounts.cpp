#include "spec/setup_mounts.hpp"

#include <iterator>

namespace soulbox::spec {

using protocol::Field;
using protocol::Message;

namespace {

constexpr std::uint64_t kOptional = 1, kReadonly = 2, kUserOwned = 4;

} // namespace

void add_mounts(Message& setup, const std::vector<MountOp>& mounts) {
    for (const auto& m : mounts) {
        Message entry;
        entry.add_u64(Field::mount_kind, static_cast<std::uint64_t>(m.kind));
        entry.add(Field::mount_target, m.target);
        if (!m.source.empty()) entry.add(Field::mount_source, m.source);
        if (!m.content.empty()) entry.add(Field::mount_content, m.content);
        if (m.mode) entry.add_u64(Field::mode, m.mode);
        if (m.size_bytes) entry.add_u64(Field::size, m.size_bytes);
        entry.add_u64(Field::mount_flags, (m.optional ? kOptional : 0) |
                                              (m.readonly ? kReadonly : 0) |
                                              (m.user_owned ? kUserOwned : 0));
        setup.add(Field::mount, entry.encode_fields());
    }
}

Result<std::vector<MountOp>> read_mounts(const Message& setup) {
    std::vector<MountOp> mounts;
    for (auto bytes : setup.get_all(Field::mount)) {
        auto entry = Message::decode_fields(bytes);
        if (!entry) return std::unexpected(entry.error());
        auto kind = entry->get_u64(Field::mount_kind);
        auto target = entry->get(Field::mount_target);
        if (!kind || *kind >= std::size(kMountKindNames) || !target)
            return std::unexpected(make_error(Errc::protocol, "malformed mount in setup"));
        MountOp m;
        m.kind = static_cast<MountKind>(*kind);
        m.target = *target;
        m.source = entry->get(Field::mount_source).value_or("");
        m.content = entry->get(Field::mount_content).value_or("");
        m.mode = static_cast<std::uint32_t>(entry->get_u64(Field::mode).value_or(0));
        m.size_bytes = entry->get_u64(Field::size).value_or(0);
        auto flags = entry->get_u64(Field::mount_flags).value_or(kReadonly);
        m.optional = flags & kOptional;
        m.readonly = flags & kReadonly;
        m.user_owned = flags & kUserOwned;
        mounts.push_back(std::move(m));
    }
    return mounts;
}

} // namespace soulbox::spec
