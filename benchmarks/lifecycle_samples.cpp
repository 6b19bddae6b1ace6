// The C++ peer of benchmarks/bindings_bench.py: N times Sandbox::create() +
// commands().run("true") + kill(), one line per iteration with its milliseconds.
// The Python and Node workers (lifecycle.py, lifecycle.mjs) do the same through their bindings.
// With RESIDENT_MIB, the process first makes that much memory resident, as a large embedding
// program would have: a create must not cost more there.
//
//   lifecycle_samples [--resident-mib RESIDENT_MIB] ITERATIONS
#include "soulbox/soulbox.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

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
    std::vector<char> resident;
    if (argc == 4 && std::string(argv[1]) == "--resident-mib") {
        resident.assign(std::size_t(std::atoi(argv[2])) << 20, 1); // written, so resident
        argv += 2;
        argc -= 2;
    }
    if (argc != 2 || std::atoi(argv[1]) <= 0) {
        std::fprintf(stderr, "usage: lifecycle_samples [--resident-mib N] ITERATIONS\n");
        return 2;
    }
    for (int i = 0, n = std::atoi(argv[1]); i < n; ++i)
        std::printf("%.4f\n", create_run_kill());
    // Reading the memory back keeps the compiler from eliding it (0 when it holds the 1s).
    return resident.empty() ? 0 : resident[resident.size() / 2] - 1;
}
