#include "spec/mount_op.hpp"

#include <iterator>

namespace soulbox::spec {

std::string_view mount_kind_name(MountKind kind) {
    auto index = static_cast<std::size_t>(kind);
    return index < std::size(kMountKindNames) ? kMountKindNames[index] : "unknown";
}

std::optional<MountKind> mount_kind_from_name(std::string_view name) {
    for (std::size_t i = 0; i < std::size(kMountKindNames); ++i)
        if (kMountKindNames[i] == name) return static_cast<MountKind>(i);
    return std::nullopt;
}

} // namespace soulbox::spec
