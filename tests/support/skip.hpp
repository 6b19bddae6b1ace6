// Skipping a case honestly: a skipped case says why and is reported to ctest as skipped (exit
// 77), and with SOULBOX_TEST_MUST_WORK=1 (CI) a skip is a failure, as bubblewrap's
// BWRAP_MUST_WORK: a gate that can silently not run is not a gate.
#pragma once

#include <string>

namespace soulbox::test {

// Marks the running case as skipped (or failed under SOULBOX_TEST_MUST_WORK=1); the caller
// returns from the case right after.
void skip_case(const std::string& reason);

// The exit status of a run: 77 when the cases that ran were all skipped, else doctest's.
int run_status(int doctest_status);

} // namespace soulbox::test

#define SOULBOX_SKIP(reason)                                                                       \
    do {                                                                                           \
        ::soulbox::test::skip_case(reason);                                                        \
        return;                                                                                    \
    } while (0)
