// Human-readable output of ls, info and files ls.
#pragma once

#include "soulbox/soulbox.hpp"

#include <string>
#include <vector>

namespace soulbox::cli {

// Columns ID, TEMPLATE, STARTED, ENDS, MEMORY, PIDS, CPUS, METADATA; a header even if empty.
std::string sandbox_table(const std::vector<SandboxInfo>& sandboxes);
// One line per entry, as `ls -l` has them: permissions, owner, group, size, modified time
// and the path ("path -> target" for a symlink). No header.
std::string entry_table(const std::vector<EntryInfo>& entries);
// "key: value" lines.
std::string sandbox_details(const SandboxInfo& info);

} // namespace soulbox::cli
