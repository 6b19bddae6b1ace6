// Human-readable output of ls and info.
#pragma once

#include "soulbox/soulbox.hpp"

#include <string>
#include <vector>

namespace soulbox::cli {

// Columns ID, TEMPLATE, STARTED, ENDS, MEMORY, PIDS, CPUS, METADATA; a header even if empty.
std::string sandbox_table(const std::vector<SandboxInfo>& sandboxes);
// "key: value" lines.
std::string sandbox_details(const SandboxInfo& info);

} // namespace soulbox::cli
