// Output callbacks run off the event loop, one strand per handle (runtime/callback_pool.hpp):
// a callback that blocks holds up only its own handle.
#include "support/sandbox_fixture.hpp"

#include <atomic>
#include <chrono>
#include <future>
#include <string>

using namespace soulbox;
using namespace soulbox::test;

namespace {

// Output callbacks of a handle whose first call blocks until release() (or 60 s, so a broken
// library fails the case instead of hanging it).
struct BlockingCallback {
    std::promise<void> entered, released;
    std::shared_future<void> release_signal = released.get_future().share();
    std::atomic<bool> blocked{false};
    std::atomic<int> calls{0};

    OutputCallback callback() {
        return [this](std::string_view) {
            if (calls++ == 0) {
                blocked = true;
                entered.set_value();
                release_signal.wait_for(std::chrono::seconds(60));
                blocked = false;
            }
        };
    }
    void release() { released.set_value(); }
};

} // namespace

TEST_CASE("callbacks: a blocked on_stdout stalls neither another process nor another sandbox") {
    Sandbox a = make_sandbox();
    Sandbox b = make_sandbox();
    BlockingCallback slow;
    RunOptions slow_options;
    slow_options.on_stdout = slow.callback();
    auto stuck = expect_ok(a.commands().start("echo first; echo second", slow_options), "start");
    REQUIRE(slow.entered.get_future().wait_for(std::chrono::seconds(30)) ==
            std::future_status::ready);

    // While that callback blocks: output of the same sandbox and of another one flows, with
    // callbacks of their own.
    std::string same_seen, other_seen;
    RunOptions same_options, other_options;
    same_options.on_stdout = [&](std::string_view chunk) { same_seen += chunk; };
    other_options.on_stdout = [&](std::string_view chunk) { other_seen += chunk; };
    CommandResult same = expect_ok(a.commands().run("echo same", same_options), "run in a");
    CommandResult other = expect_ok(b.commands().run("echo other", other_options), "run in b");
    CHECK(slow.blocked);
    CHECK(same.stdout_data == "same\n");
    CHECK(same_seen == "same\n");
    CHECK(other_seen == "other\n");

    // The stuck handle's wait() returns only after its callbacks have seen everything.
    slow.release();
    CommandResult result = expect_ok(stuck.wait(), "wait");
    CHECK(result.stdout_data == "first\nsecond\n");
    CHECK(slow.calls >= 1);
    CHECK_FALSE(slow.blocked);
}

TEST_CASE("callbacks: a callback may call blocking SoulBox functions of other handles") {
    Sandbox sbx = make_sandbox();
    std::string nested;
    RunOptions options;
    options.on_stdout = [&](std::string_view) {
        if (!nested.empty()) return;
        auto inner = sbx.commands().run("echo inner");
        nested = inner ? inner->stdout_data : inner.error().describe();
    };
    CommandResult outer = expect_ok(sbx.commands().run("echo outer", options), "run");
    CHECK(outer.stdout_data == "outer\n");
    CHECK(nested == "inner\n");
}

TEST_CASE("callbacks: wait() from a handle's own callback is refused, not a deadlock") {
    Sandbox sbx = make_sandbox();
    std::promise<Errc> refused;
    std::atomic<bool> once{false};
    CommandHandle* self = nullptr;
    std::promise<void> ready;
    std::shared_future<void> handle_ready = ready.get_future().share();
    RunOptions options;
    options.on_stdout = [&](std::string_view) {
        if (once.exchange(true)) return;
        handle_ready.wait();
        auto r = self->wait();
        refused.set_value(r ? Errc::ok : r.error().code);
    };
    auto handle = expect_ok(sbx.commands().start("echo hi", options), "start");
    self = &handle;
    ready.set_value();
    auto code = refused.get_future();
    REQUIRE(code.wait_for(std::chrono::seconds(30)) == std::future_status::ready);
    CHECK(code.get() == Errc::invalid_argument);
    CHECK(expect_ok(handle.wait(), "wait").stdout_data == "hi\n");
}

TEST_CASE("callbacks: a slow consumer of 32 MiB sees every byte in order") {
    Sandbox sbx = make_sandbox();
    std::size_t seen = 0;
    bool in_order = true;
    RunOptions options;
    options.max_output_bytes = 1024;
    options.on_stdout = [&](std::string_view chunk) {
        for (char c : chunk)
            in_order &= c == 'y';
        seen += chunk.size();
        // Slower than the pipe: the strand backs up and the stream pauses and resumes.
        volatile unsigned sink = 0;
        for (std::size_t i = 0; i < chunk.size() * 4; ++i)
            sink = sink + static_cast<unsigned>(i);
    };
    CommandResult result =
        expect_ok(sbx.commands().run("yes | tr -d '\\n' | head -c 33554432", options), "run");
    CHECK(result.exit_code == 0);
    CHECK(seen == (32u << 20));
    CHECK(in_order);
    CHECK(result.stdout_truncated);
}
