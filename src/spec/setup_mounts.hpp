// The spec's mount list in the setup frame. The agent is a small static binary without a JSON
// parser (simdjson ships as a shared library only), so the frame carries the mounts in the
// control protocol's own tag-length-value form: one nested `mount` field per operation.
#pragma once

#include "protocol/message.hpp"
#include "spec/mount_op.hpp"

#include <vector>

namespace soulbox::spec {

void add_mounts(protocol::Message& setup, const std::vector<MountOp>& mounts);
Result<std::vector<MountOp>> read_mounts(const protocol::Message& setup);

} // namespace soulbox::spec
