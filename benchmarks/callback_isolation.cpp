// What a blocked output callback costs everybody else: p50/p99 of run("echo x") with an
// on_stdout callback in one sandbox, idle and while other handles' callbacks are blocked (in the
// same sandbox and in another), next to the peer: posix_spawn of /bin/echo on the host with its
// output read through a pipe. Callbacks run on per-handle strands off the event loop
// (docs/design.md, "Callbacks"), so the blocked rows should match the idle one.
//
//   callback_isolation [ITERATIONS]
#include "soulbox/soulbox.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <spawn.h>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

extern char** environ;

namespace {

using Clock = std::chrono::steady_clock;

struct Stats {
    double p50, p99;
};

Stats stats(std::vector<double> ms) {
    std::sort(ms.begin(), ms.end());
    auto pct = [&](double q) { return ms[std::min(ms.size() - 1, std::size_t(q * ms.size()))]; };
    return {pct(0.50), pct(0.99)};
}

template <class T> T must(soulbox::Result<T> r, const char* what) {
    if (!r) {
        std::fprintf(stderr, "%s: %s\n", what, r.error().describe().c_str());
        std::exit(1);
    }
    return std::move(*r);
}

double spawn_echo() {
    auto start = Clock::now();
    int out[2];
    if (::pipe(out) != 0) std::exit(1);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    char arg0[] = "/bin/echo", arg1[] = "x";
    char* argv[] = {arg0, arg1, nullptr};
    pid_t pid;
    if (posix_spawn(&pid, "/bin/echo", &actions, nullptr, argv, environ) != 0) std::exit(1);
    posix_spawn_file_actions_destroy(&actions);
    ::close(out[1]);
    char buf[64];
    std::string seen;
    for (ssize_t n; (n = ::read(out[0], buf, sizeof buf)) > 0;)
        seen.append(buf, std::size_t(n));
    ::close(out[0]);
    int status;
    ::waitpid(pid, &status, 0);
    if (seen != "x\n") std::exit(1);
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

double run_echo(soulbox::Sandbox& sbx) {
    std::string seen;
    soulbox::RunOptions options;
    options.on_stdout = [&](std::string_view chunk) { seen += chunk; };
    auto start = Clock::now();
    auto result =
        must(sbx.commands().run(std::vector<std::string>{"/bin/echo", "x"}, options), "run");
    double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    if (seen != "x\n" || result.stdout_data != "x\n") std::exit(1);
    return ms;
}

// Background commands whose on_stdout blocks until the returned promise is set.
struct Blockers {
    std::promise<void> release;
    std::shared_future<void> released = release.get_future().share();
    std::vector<soulbox::CommandHandle> handles;

    void add(soulbox::Sandbox& sbx) {
        auto entered = std::make_shared<std::promise<void>>();
        auto entered_future = entered->get_future();
        soulbox::RunOptions options;
        options.on_stdout = [entered, released = released](std::string_view) {
            entered->set_value();
            released.wait();
        };
        handles.push_back(must(sbx.commands().start("echo block; sleep 600", options), "start"));
        entered_future.wait();
    }
    void finish() {
        release.set_value();
        for (auto& h : handles)
            (void)h.kill();
    }
};

} // namespace

int main(int argc, char** argv) {
    const int n = argc > 1 ? std::max(10, std::atoi(argv[1])) : 200;
    soulbox::SandboxOptions options;
    options.timeout = std::chrono::seconds(600);
    auto measured = must(soulbox::Sandbox::create(options), "create");
    auto other = must(soulbox::Sandbox::create(options), "create");
    auto sample = [&](auto fn) {
        std::vector<double> ms;
        for (int i = 0; i < n; ++i)
            ms.push_back(fn());
        return stats(ms);
    };
    struct Row {
        const char* name;
        Stats s;
    };
    std::vector<Row> rows;
    rows.push_back({"posix_spawn /bin/echo + pipe (host, peer)", sample(spawn_echo)});
    rows.push_back({"soulbox run echo, on_stdout, nothing blocked",
                    sample([&] { return run_echo(measured); })});
    {
        Blockers blockers;
        blockers.add(measured);
        rows.push_back({"  ... 1 blocked callback in the same sandbox",
                        sample([&] { return run_echo(measured); })});
        for (int i = 0; i < 7; ++i)
            blockers.add(other);
        rows.push_back({"  ... + 7 blocked callbacks in another sandbox",
                        sample([&] { return run_echo(measured); })});
        blockers.finish();
    }
    (void)measured.kill();
    (void)other.kill();
    const double idle = rows[1].s.p50;
    std::printf("%-50s %9s %9s %12s\n", "callback isolation", "p50 ms", "p99 ms", "p50 vs idle");
    for (const auto& row : rows)
        std::printf("%-50s %9.3f %9.3f %11.2fx\n", row.name, row.s.p50, row.s.p99,
                    row.s.p50 / idle);
    std::printf("(%d runs per row)\n", n);
}
