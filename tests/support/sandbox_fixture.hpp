// Helpers shared by the integration and security suites, over the public C++ layer.
#pragma once

#include "soulbox/soulbox.hpp"
#include "support/expect.hpp"

namespace soulbox::test {

inline Sandbox make_sandbox(SandboxOptions options = {}) {
    return expect_ok(Sandbox::create(options), "create sandbox");
}

} // namespace soulbox::test
