// doctest's main for every suite, with skips that ctest can see (support/skip.hpp).
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include "support/skip.hpp"

#include <cstdlib>
#include <cstring>

namespace {

int cases_run = 0;
int cases_skipped = 0;
bool current_skipped = false;

bool must_work() {
    const char* value = std::getenv("SOULBOX_TEST_MUST_WORK");
    return value && std::strcmp(value, "1") == 0;
}

// Counts the cases that ran and those that skipped; prints nothing.
struct CaseCounter : doctest::IReporter {
    explicit CaseCounter(const doctest::ContextOptions&) {}
    void report_query(const doctest::QueryData&) override {}
    void test_run_start() override {}
    void test_run_end(const doctest::TestRunStats&) override {}
    void test_case_start(const doctest::TestCaseData&) override {
        ++cases_run;
        current_skipped = false;
    }
    void test_case_reenter(const doctest::TestCaseData&) override {}
    void test_case_end(const doctest::CurrentTestCaseStats&) override {
        if (current_skipped) ++cases_skipped;
        current_skipped = false;
    }
    void test_case_exception(const doctest::TestCaseException&) override {}
    void subcase_start(const doctest::SubcaseSignature&) override {}
    void subcase_end() override {}
    void log_assert(const doctest::AssertData&) override {}
    void log_message(const doctest::MessageData&) override {}
    void test_case_skipped(const doctest::TestCaseData&) override {}
};

} // namespace

REGISTER_LISTENER("soulbox_case_counter", 1, CaseCounter);

namespace soulbox::test {

void skip_case(const std::string& reason) {
    if (must_work()) {
        FAIL_CHECK("SOULBOX_TEST_MUST_WORK=1 and this case would skip: " << reason);
        return;
    }
    MESSAGE("skipped: " << reason);
    current_skipped = true;
}

int run_status(int doctest_status) {
    if (doctest_status == 0 && cases_run > 0 && cases_skipped == cases_run) return 77;
    return doctest_status;
}

} // namespace soulbox::test

int main(int argc, char** argv) {
    doctest::Context context(argc, argv);
    const int status = context.run();
    if (context.shouldExit()) return status;
    return soulbox::test::run_status(status);
}
