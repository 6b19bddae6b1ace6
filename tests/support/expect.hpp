// Test helpers that work with either C++ layer: the public one (soulbox.hpp, through
// sandbox_fixture.hpp) and the library's internal classes (api/sandbox.hpp), which the few tests
// of internals use.
#pragma once

#include "soulbox/error.hpp"
#include "soulbox/types.hpp"

#include <doctest/doctest.h>
#include <string>
#include <utility>

namespace soulbox::test {

// Unwrap a Result in a test: fail with the error's message instead of crashing.
template <class T> T expect_ok(Result<T> result, const char* what) {
    if (!result) FAIL(what << ": " << result.error().describe());
    return std::move(*result);
}
inline void expect_ok(Status status, const char* what) {
    if (!status) FAIL(what << ": " << status.error().describe());
}

// Run a shell command and return its result (the command must be startable).
template <class Sandbox>
CommandResult sh(Sandbox& sandbox, const std::string& cmd, RunOptions options = {}) {
    return expect_ok(sandbox.commands().run(cmd, std::move(options)), cmd.c_str());
}

} // namespace soulbox::test
