// Network namespace setup done by the agent: a fresh namespace has only a down loopback.
#pragma once

#include "soulbox/error.hpp"

namespace soulbox::ns {

// Bring up `lo` so programs can talk to themselves; there is no other interface (no route out).
Status bring_up_loopback();

} // namespace soulbox::ns
