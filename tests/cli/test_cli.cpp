// The `soulbox` CLI, run as a real program against real sandboxes (needs root). Every test
// case uses its own state directory, so it sees only the sandboxes it made.
#include <doctest/doctest.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <optional>
#include <poll.h>
#include <simdjson.h>
#include <spawn.h>
#include <string>
#include <string_view>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

extern char** environ;

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

struct CliResult {
    int exit_code = -1; // 128+N when the CLI died of signal N
    std::string out;
    std::string err;
};

// A running CLI process with its stdout and stderr on pipes.
struct CliProcess {
    pid_t pid = -1;
    int out_fd = -1;
    int err_fd = -1;
};

std::vector<std::string> split_lines(std::string_view text) {
    std::vector<std::string> lines;
    while (!text.empty()) {
        auto nl = text.find('\n');
        lines.emplace_back(text.substr(0, nl));
        text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    }
    return lines;
}

class StateDir {
public:
    StateDir() {
        static int counter = 0;
        path_ =
            "/tmp/soulbox-cli-test-" + std::to_string(::getpid()) + "-" + std::to_string(++counter);
        REQUIRE(::mkdir(path_.c_str(), 0700) == 0);
    }
    StateDir(const StateDir&) = delete;
    StateDir& operator=(const StateDir&) = delete;
    // Kill whatever a failed test left running, then remove the directory.
    ~StateDir();

    // The environment of a CLI child: ours, with SOULBOX_STATE_DIR pointing here.
    std::vector<std::string> environment() const {
        std::vector<std::string> env;
        for (char** e = environ; *e; ++e)
            if (!std::string_view(*e).starts_with("SOULBOX_STATE_DIR=")) env.emplace_back(*e);
        env.push_back("SOULBOX_STATE_DIR=" + path_);
        return env;
    }

    CliProcess spawn(const std::vector<std::string>& args) const;
    CliResult run(const std::vector<std::string>& args) const;
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

std::vector<char*> c_strings(std::vector<std::string>& strings) {
    std::vector<char*> out;
    for (auto& s : strings)
        out.push_back(s.data());
    out.push_back(nullptr);
    return out;
}

CliProcess StateDir::spawn(const std::vector<std::string>& args) const {
    int out[2], err[2];
    REQUIRE(::pipe2(out, O_CLOEXEC) == 0);
    REQUIRE(::pipe2(err, O_CLOEXEC) == 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_adddup2(&actions, err[1], 2);
    std::vector<std::string> argv{SOULBOX_CLI_PATH};
    argv.insert(argv.end(), args.begin(), args.end());
    auto env = environment();
    auto c_argv = c_strings(argv);
    auto c_env = c_strings(env);
    pid_t pid = -1;
    int rc = ::posix_spawn(&pid, SOULBOX_CLI_PATH, &actions, nullptr, c_argv.data(), c_env.data());
    posix_spawn_file_actions_destroy(&actions);
    ::close(out[1]);
    ::close(err[1]);
    REQUIRE_MESSAGE(rc == 0, "posix_spawn " SOULBOX_CLI_PATH ": " << std::strerror(rc));
    return {pid, out[0], err[0]};
}

// Read both pipes to EOF (interleaved, so neither can fill up and stall the child), then reap.
CliResult finish(CliProcess process, std::string out = {}) {
    CliResult result;
    result.out = std::move(out);
    pollfd fds[2] = {{process.out_fd, POLLIN, 0}, {process.err_fd, POLLIN, 0}};
    std::string* sinks[2] = {&result.out, &result.err};
    int open = 2;
    while (open > 0) {
        if (::poll(fds, 2, -1) < 0) {
            REQUIRE(errno == EINTR);
            continue;
        }
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || fds[i].revents == 0) continue;
            char buf[4096];
            ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
            if (n > 0) {
                sinks[i]->append(buf, static_cast<std::size_t>(n));
            } else if (n == 0 || errno != EINTR) {
                ::close(fds[i].fd);
                fds[i].fd = -1;
                --open;
            }
        }
    }
    int status = 0;
    REQUIRE(::waitpid(process.pid, &status, 0) == process.pid);
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return result;
}

CliResult StateDir::run(const std::vector<std::string>& args) const {
    return finish(spawn(args));
}

// Sandbox ids in `ls --json` output.
std::vector<std::string> listed_ids(const std::string& json) {
    std::vector<std::string> ids;
    simdjson::dom::parser parser;
    simdjson::dom::array array;
    if (parser.parse(json).get(array) != simdjson::SUCCESS) return ids;
    for (auto element : array) {
        std::string_view id;
        if (element["id"].get(id) == simdjson::SUCCESS) ids.emplace_back(id);
    }
    return ids;
}

StateDir::~StateDir() {
    for (const auto& id : listed_ids(run({"ls", "--json"}).out))
        (void)run({"kill", id});
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
}

// A CLI error: exactly one line on stderr, starting "soulbox: ".
void check_one_error_line(const CliResult& r) {
    auto lines = split_lines(r.err);
    CHECK_MESSAGE(lines.size() == 1, "stderr: " << r.err);
    CHECK_MESSAGE(r.err.starts_with("soulbox: "), "stderr: " << r.err);
}

std::string field_string(simdjson::dom::element object, std::string_view key) {
    std::string_view value;
    REQUIRE_MESSAGE(object[key].get(value) == simdjson::SUCCESS, "field " << key);
    return std::string(value);
}

} // namespace

TEST_CASE("run streams the command's output and passes its exit code through") {
    StateDir dir;
    auto hi = dir.run({"run", "--", "/bin/echo", "hi"});
    CHECK(hi.exit_code == 0);
    CHECK(hi.out == "hi\n");
    CHECK(hi.err == "");

    auto seven = dir.run({"run", "--", "/bin/sh", "-c", "exit 7"});
    CHECK(seven.exit_code == 7);

    auto split = dir.run({"run", "--", "/bin/sh", "-c", "echo out; echo err >&2"});
    CHECK(split.exit_code == 0);
    CHECK(split.out == "out\n");
    CHECK(split.err == "err\n");

    // Like a shell: 128 + the signal that killed the command.
    auto killed = dir.run({"run", "--", "/bin/sh", "-c", "kill -9 $$"});
    CHECK(killed.exit_code == 128 + SIGKILL);

    // argv form: arguments reach the program unsplit, no shell in between.
    auto args = dir.run({"run", "--env", "GREETING=a b", "--", "/usr/bin/env"});
    CHECK(args.out.find("GREETING=a b\n") != std::string::npos);
}

TEST_CASE("run --json prints one object with the result and still exits with the code") {
    StateDir dir;
    auto r = dir.run({"run", "--json", "--", "/bin/sh", "-c", "echo out; echo err >&2; exit 3"});
    CHECK(r.exit_code == 3);
    CHECK(r.err == ""); // nothing streamed
    simdjson::dom::parser parser;
    simdjson::dom::element object;
    REQUIRE_MESSAGE(parser.parse(r.out).get(object) == simdjson::SUCCESS, "stdout: " << r.out);
    CHECK(field_string(object, "stdout") == "out\n");
    CHECK(field_string(object, "stderr") == "err\n");
    CHECK(field_string(object, "error") == "exit status 3");
    int64_t exit_code = 0, signal = -1;
    bool timed_out = true, oom_killed = true;
    CHECK(object["exit_code"].get(exit_code) == simdjson::SUCCESS);
    CHECK(object["signal"].get(signal) == simdjson::SUCCESS);
    CHECK(object["timed_out"].get(timed_out) == simdjson::SUCCESS);
    CHECK(object["oom_killed"].get(oom_killed) == simdjson::SUCCESS);
    CHECK(exit_code == 3);
    CHECK(signal == 0);
    CHECK_FALSE(timed_out);
    CHECK_FALSE(oom_killed);

    auto ok = dir.run({"run", "--json", "--", "/bin/true"});
    CHECK(ok.exit_code == 0);
    REQUIRE(parser.parse(ok.out).get(object) == simdjson::SUCCESS);
    CHECK(object["error"].is_null());
}

TEST_CASE("run --json turns output that is not UTF-8 into valid JSON") {
    StateDir dir;
    auto r = dir.run({"run", "--json", "--", "/usr/bin/printf", "a\\377b\\300"});
    CHECK(r.exit_code == 0);
    simdjson::dom::parser parser; // validates UTF-8 as it parses
    simdjson::dom::element object;
    REQUIRE_MESSAGE(parser.parse(r.out).get(object) == simdjson::SUCCESS, "stdout: " << r.out);
    CHECK(field_string(object, "stdout") == "a\xEF\xBF\xBD"
                                            "b\xEF\xBF\xBD");
}

TEST_CASE("run --timeout ends the command with 124, as timeout(1) does") {
    StateDir dir;
    auto start = Clock::now();
    auto r = dir.run({"run", "--timeout", "1", "--", "/bin/sleep", "10"});
    CHECK(r.exit_code == 124);
    CHECK(Clock::now() - start < 8s);
    check_one_error_line(r);
}

TEST_CASE("run of a missing program fails with one error line") {
    StateDir dir;
    auto r = dir.run({"run", "--", "/nonexistent"});
    CHECK(r.exit_code != 0);
    CHECK(r.out == "");
    check_one_error_line(r);
    CHECK(r.err.find("/nonexistent") != std::string::npos);
    // The one-shot sandbox is gone as well.
    CHECK(dir.run({"ls", "--json"}).out == "[]\n");
}

TEST_CASE("output streams while the command runs, and a signal removes the sandbox") {
    StateDir dir;
    CliProcess cli = dir.spawn({"run", "--", "/bin/sh", "-c", "echo first; exec sleep 60"});
    // Wait (bounded) for the first line: it must arrive while the command is still running.
    std::string out;
    auto deadline = Clock::now() + 20s;
    while (out.find('\n') == std::string::npos && Clock::now() < deadline) {
        pollfd p{cli.out_fd, POLLIN, 0};
        if (::poll(&p, 1, 1000) <= 0) continue;
        char buf[256];
        ssize_t n = ::read(cli.out_fd, buf, sizeof buf);
        if (n <= 0) break;
        out.append(buf, static_cast<std::size_t>(n));
    }
    CHECK(out == "first\n");
    int status = 0;
    CHECK(::waitpid(cli.pid, &status, WNOHANG) == 0); // still running
    REQUIRE(::kill(cli.pid, SIGTERM) == 0);
    auto r = finish(cli, out);
    CHECK(r.exit_code == 128 + SIGTERM);
    CHECK(dir.run({"ls", "--json"}).out == "[]\n");
}

TEST_CASE("usage errors exit 2 with one line") {
    StateDir dir;
    const std::vector<std::vector<std::string>> bad = {
        {"frobnicate"},
        {"run", "--memory", "12Q", "--", "true"},
        {"run"},
        {
            "run",
            "--",
        },
        {"run", "/bin/true"},
        {"run", "--cpus", "-1", "--", "true"},
        {"run", "--pids", "abc", "--", "true"},
        {"run", "--pids", "5x", "--", "true"},
        {"run", "--memory", "20000000T", "--", "true"},
        {"run", "--timeout", "--", "true"},
        {"run", "--bogus", "--", "true"},
        {"run", "--memory"},
        {"exec"},
        {"info"},
        {"kill", "a", "b"},
        {"ls", "--metadata", "a=b"},
        {},
    };
    for (const auto& args : bad) {
        std::string joined;
        for (const auto& a : args)
            joined += a + " ";
        CAPTURE(joined);
        auto r = dir.run(args);
        CHECK(r.exit_code == 2);
        CHECK(r.out == "");
        check_one_error_line(r);
    }
}

TEST_CASE("help and version") {
    StateDir dir;
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{"--help"}, {"help"}, {"run", "--help"}, {"help", "exec"}}) {
        auto r = dir.run(args);
        CHECK(r.exit_code == 0);
        CHECK(r.out.starts_with("Usage: soulbox"));
    }
    CHECK(dir.run({"run", "--help"}).out.find("--memory") != std::string::npos);
    auto version = dir.run({"--version"});
    CHECK(version.exit_code == 0);
    CHECK(version.out == "soulbox 0.1.0\n");
}

TEST_CASE("create, ls, info, exec and kill manage one sandbox") {
    StateDir dir;
    auto created = dir.run({"create", "--metadata", "owner=cli-test", "--timeout", "120"});
    REQUIRE(created.exit_code == 0);
    auto lines = split_lines(created.out);
    REQUIRE(lines.size() == 1);
    std::string id = lines[0];
    REQUIRE_FALSE(id.empty());

    auto listed = dir.run({"ls", "--json"});
    CHECK(listed.exit_code == 0);
    auto ids = listed_ids(listed.out);
    CHECK(ids == std::vector<std::string>{id});
    auto table = dir.run({"ls"});
    CHECK(table.out.starts_with("ID"));
    CHECK(table.out.find(id) != std::string::npos);

    auto info = dir.run({"info", id, "--json"});
    CHECK(info.exit_code == 0);
    simdjson::dom::parser parser;
    simdjson::dom::element object;
    REQUIRE_MESSAGE(parser.parse(info.out).get(object) == simdjson::SUCCESS, info.out);
    CHECK(field_string(object, "id") == id);
    CHECK(field_string(object, "state") == "running");
    CHECK(field_string(object["metadata"], "owner") == "cli-test");
    CHECK_FALSE(field_string(object, "end_at").empty());
    CHECK(field_string(object, "started_at").ends_with("Z"));
    auto text = dir.run({"info", id});
    CHECK(text.out.find("metadata.owner: cli-test\n") != std::string::npos);

    auto exec = dir.run({"exec", id, "--", "/bin/echo", "x"});
    CHECK(exec.exit_code == 0);
    CHECK(exec.out == "x\n");
    auto code = dir.run({"exec", id, "--", "/bin/sh", "-c", "exit 5"});
    CHECK(code.exit_code == 5);

    auto killed = dir.run({"kill", id});
    CHECK(killed.exit_code == 0);
    CHECK(killed.err == "");
    auto gone = dir.run({"info", id});
    CHECK(gone.exit_code == 1);
    check_one_error_line(gone);
    auto again = dir.run({"kill", id});
    CHECK(again.exit_code == 1);
    check_one_error_line(again);
    CHECK(dir.run({"ls", "--json"}).out == "[]\n");
}

TEST_CASE("exec and kill of an unknown sandbox fail") {
    StateDir dir;
    auto exec = dir.run({"exec", "0123456789abcdef", "--", "/bin/true"});
    CHECK(exec.exit_code == 1);
    check_one_error_line(exec);
    auto bad_id = dir.run({"kill", "../etc"});
    CHECK(bad_id.exit_code == 1);
    check_one_error_line(bad_id);
}

TEST_CASE("gc cleans up after a sandbox whose host process and agent died without cleanup") {
    StateDir dir;
    CHECK(dir.run({"gc"}).out == "removed 0\n");
    // `create` exits at once: nothing on the host watches this sandbox any more.
    auto created = dir.run({"create"});
    REQUIRE(created.exit_code == 0);
    std::string id = split_lines(created.out).at(0);
    std::string state = dir.path() + "/" + id;
    simdjson::dom::parser parser;
    simdjson::dom::element record;
    REQUIRE(parser.load(state + "/sandbox.json").get(record) == simdjson::SUCCESS);
    int64_t agent = 0;
    REQUIRE(record["agent_pid"].get(agent) == simdjson::SUCCESS);
    std::string_view cgroup_kind;
    REQUIRE(record["limits"]["cgroup"].get(cgroup_kind) == simdjson::SUCCESS);
    std::string cgroup = "/sys/fs/cgroup/memory/soulbox/" + id;
    struct stat st {};
    bool v1_group = cgroup_kind == "v1";
    if (v1_group) CHECK(::stat(cgroup.c_str(), &st) == 0);

    // A crash: the agent dies with no one to clean up after it. SIGKILL takes effect
    // asynchronously; the pidfd turns readable once the agent (and its pid namespace) is gone.
    int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, static_cast<pid_t>(agent), 0));
    REQUIRE(pidfd >= 0);
    REQUIRE(::kill(static_cast<pid_t>(agent), SIGKILL) == 0);
    pollfd gone{pidfd, POLLIN, 0};
    REQUIRE(::poll(&gone, 1, 10000) == 1);
    ::close(pidfd);
    auto gc = dir.run({"gc"});
    CHECK(gc.exit_code == 0);
    CHECK(gc.out == "removed 1\n");
    CHECK(::stat(state.c_str(), &st) != 0);
    if (v1_group) CHECK(::stat(cgroup.c_str(), &st) != 0);
    CHECK(dir.run({"ls", "--json"}).out == "[]\n");
}

TEST_CASE("limits given on the command line are applied exactly") {
    StateDir dir;
    auto created = dir.run({"create", "--memory", "256M", "--pids", "64", "--cpus", "0.5"});
    if (created.exit_code != 0 && created.err.find("cgroups are unusable") != std::string::npos) {
        MESSAGE("skipped: " << created.err);
        return;
    }
    REQUIRE_MESSAGE(created.exit_code == 0, created.err);
    std::string id = split_lines(created.out).at(0);
    auto info = dir.run({"info", id, "--json"});
    simdjson::dom::parser parser;
    simdjson::dom::element object;
    REQUIRE_MESSAGE(parser.parse(info.out).get(object) == simdjson::SUCCESS, info.out);
    uint64_t memory = 0, pids = 0;
    double cpus = 0;
    CHECK(object["limits"]["memory_bytes"].get(memory) == simdjson::SUCCESS);
    CHECK(object["limits"]["pids"].get(pids) == simdjson::SUCCESS);
    CHECK(object["limits"]["cpus"].get(cpus) == simdjson::SUCCESS);
    CHECK(memory == 256ull << 20);
    CHECK(pids == 64);
    CHECK(cpus == doctest::Approx(0.5));
    CHECK(dir.run({"kill", id}).exit_code == 0);
}
