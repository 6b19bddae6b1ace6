// The C++ peer of benchmarks/bindings_bench.py: N times Sandbox::create() +
// commands().run("true") + kill(), one line per iteration with its milliseconds.
// The Python and Node workers (lifecycle.py, lifecycle.mjs) do the same through their bindings.
//
//   lifecycle_samples ITERATIONS
#include "soulbox/soulbox.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

double create_run_kill() {
    auto start = std::chrono::steady_clock::now();
    soulbox::SandboxOptions options;
    options.timeout = std::chrono::seconds(600); // a crashed run leaves nothing for long
    auto sandbox = soulbox::Sandbox::create(options);
    if (!sandbox) {
        std::fprintf(stderr, "create: %s\n", sandbox.error().message.c_str());
        std::exit(1);
    }
    auto result = sandbox->commands().run("true");
    if (!result || result->exit_code != 0) {
        std::fprintf(stderr, "run true failed\n");
        std::exit(1);
    }
    if (auto killed = sandbox->kill(); !killed) {
        std::fprintf(stderr, "kill: %s\n", killed.error().message.c_str());
        std::exit(1);
    }
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
        .count();
}

} // namespace

int main(int argc, char** argv) {
    if (argc != 2 || std::atoi(argv[1]) <= 0) {
        std::fprintf(stderr, "usage: lifecycle_samples ITERATIONS\n");
        return 2;
    }
    for (int i = 0, n = std::atoi(argv[1]); i < n; ++i)
        std::printf("%.4f\n", create_run_kill());
    return 0;
}
