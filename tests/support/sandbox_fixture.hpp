// Helpers shared by the integration and security suites.
#pragma once

#include "soulbox/soulbox.hpp"

#include <doctest/doctest.h>
#include <string>

namespace soulbox::test {

// Unwrap a Result in a test: fail with the error's message instead of crashing.
template <class T> T expect_ok(Result<T> result, const char* what) {
    if (!result) FAIL(what << ": " << result.error().describe());
    return std::move(*result);
}
inline void expect_ok(Status status, const char* what) {
    if (!status) FAIL(what << ": " << status.error().describe());
}

inline Sandbox make_sandbox(SandboxOptions options = {}) {
    return expect_ok(Sandbox::create(options), "create sandbox");
}

// Run a shell command and return its result (the command must be startable).
inline CommandResult sh(Sandbox& sandbox, const std::string& cmd, RunOptions options = {}) {
    return expect_ok(sandbox.commands().run(cmd, std::move(options)), cmd.c_str());
}

} // namespace soulbox::test
