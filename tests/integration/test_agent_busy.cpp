// The agent (PID 1) keeps serving processes and timeouts while a long file operation runs: file
// work happens on its worker thread, not on its event loop.
#include "support/sandbox_fixture.hpp"

#include <atomic>
#include <chrono>
#include <thread>

using namespace soulbox;
using namespace soulbox::test;
using namespace std::chrono_literals;

namespace {

// Directories of hard links to one file: half a million names cost the sandbox little memory
// and take the agent seconds to remove.
constexpr int kDirectories = 500;
constexpr int kLinksPerDirectory = 1000;

void make_big_tree(Sandbox& sbx) {
    std::string script = "import os\n"
                         "os.mkdir('tree')\n"
                         "open('target', 'w').close()\n"
                         "for d in range(" +
                         std::to_string(kDirectories) +
                         "):\n"
                         "    os.mkdir(f'tree/{d}')\n"
                         "    for f in range(" +
                         std::to_string(kLinksPerDirectory) +
                         "):\n"
                         "        os.link('target', f'tree/{d}/{f}')\n";
    expect_ok(sbx.files().write("make_tree.py", script), "write make_tree.py");
    auto made = sh(sbx, "python3 make_tree.py");
    REQUIRE_MESSAGE(made.exit_code == 0, made.stderr_data);
}

// Wait until the agent has removed at least one whole directory of the tree: the removal is
// under way. Asked through commands, which is what must keep working meanwhile.
void wait_until_removal_started(Sandbox& sbx) {
    auto deadline = std::chrono::steady_clock::now() + 60s;
    for (;;) {
        auto left = sh(sbx, "ls tree | wc -l");
        if (left.exit_code == 0 && std::stoi(left.stdout_data) < kDirectories) return;
        REQUIRE_MESSAGE(std::chrono::steady_clock::now() < deadline,
                        "the removal did not start within 60 s");
    }
}

// A remove of the tree on another thread; `done` turns true once it has returned.
struct BackgroundRemove {
    std::atomic<bool> done{false};
    Status result;
    std::thread thread;

    explicit BackgroundRemove(Sandbox& sbx)
        : thread([this, &sbx] {
              result = sbx.files().remove("tree");
              done = true;
          }) {}
    ~BackgroundRemove() {
        if (thread.joinable()) thread.join();
    }
    void wait() { thread.join(); }
};

} // namespace

TEST_CASE("agent busy: commands and command timeouts work while a large tree is removed") {
    Sandbox sbx = make_sandbox();
    make_big_tree(sbx);
    BackgroundRemove remove(sbx);
    wait_until_removal_started(sbx);

    auto t = sh(sbx, "true");
    CHECK(t.exit_code == 0);
    RunOptions limited;
    limited.timeout = 300ms;
    auto killed = sh(sbx, "sleep 30", limited);
    CHECK(killed.timed_out);
    CHECK(killed.error == "command timed out");
    // Both returned before the remove did: the agent served them during the removal.
    CHECK_MESSAGE(!remove.done, "the remove finished first: the tree is too small to tell");

    remove.wait();
    expect_ok(remove.result, "remove the tree");
    CHECK_FALSE(expect_ok(sbx.files().exists("tree"), "exists"));
    expect_ok(sbx.kill(), "kill");
}

TEST_CASE("agent busy: the sandbox timeout ends the sandbox in the middle of a large remove") {
    Sandbox sbx = make_sandbox();
    make_big_tree(sbx);
    auto sleeper = expect_ok(sbx.commands().start("sleep 1000"), "start");
    BackgroundRemove remove(sbx);
    wait_until_removal_started(sbx);

    expect_ok(sbx.set_timeout(1s), "set_timeout");
    auto ended = expect_ok(sleeper.wait(), "wait");
    CHECK(ended.error == "sandbox ended while the command was running");
    remove.wait();
    // The remove did not complete: the sandbox ended under it.
    REQUIRE_FALSE_MESSAGE(remove.result.has_value(),
                          "the remove finished before the timeout: the tree is too small to tell");
    CHECK(remove.result.error().code == Errc::not_running);
    CHECK_FALSE(sbx.is_running());
}
