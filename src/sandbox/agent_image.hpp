// The agent executable embedded in the library, served as a sealed memfd so that no sandbox
// (and no other process) can modify the binary every sandbox's PID 1 runs from (runc
// CVE-2019-5736). One memfd per host process, shared by all sandboxes.
#pragma once

#include "soulbox/error.hpp"

namespace soulbox::sandbox {

// A read-only, sealed, close-on-exec memfd holding the agent; owned by this module.
Result<int> agent_memfd();

} // namespace soulbox::sandbox
