// SoulBox demo: create a sandbox, run Python code in it, write a file and read it back.
#include <soulbox/soulbox.hpp>

#include <cstdio>

int main() {
    auto sandbox = soulbox::Sandbox::create();
    if (!sandbox) {
        std::fprintf(stderr, "create sandbox: %s\n", sandbox.error().describe().c_str());
        return 1;
    }
    std::printf("sandbox %s is running\n", sandbox->id().c_str());

    soulbox::RunOptions stream;
    stream.on_stdout = [](std::string_view chunk) {
        std::fwrite(chunk.data(), 1, chunk.size(), stdout);
        std::fflush(stdout);
    };
    auto python = sandbox->commands().run(
        "python3 -c 'import platform, os; print(\"hello from python\", platform.python_version(), "
        "\"as uid\", os.getuid(), \"in\", os.getcwd())'",
        stream);
    if (!python) {
        std::fprintf(stderr, "run python3: %s\n", python.error().describe().c_str());
        return 1;
    }

    auto write = sandbox->commands().run(
        "python3 -c 'open(\"/home/user/result.txt\", \"w\").write(str(sum(range(101))))'");
    auto read = sandbox->commands().run(std::vector<std::string>{"cat", "/home/user/result.txt"});
    if (!write || !read || write->exit_code != 0 || read->exit_code != 0) {
        std::fprintf(stderr, "write/read file failed\n");
        return 1;
    }
    std::printf("wrote /home/user/result.txt inside the sandbox; read back: %s\n",
                read->stdout_data.c_str());

    auto killed = sandbox->kill();
    std::printf("sandbox killed: %s\n", killed ? "yes" : killed.error().describe().c_str());
    return killed ? 0 : 1;
}
