// The `soulbox` CLI, run as a real program against real sandboxes (needs root). Every test
// case uses its own state directory, so it sees only the sandboxes it made.
#include "support/skip.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <map>
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

    // stdin is /dev/null, or a pipe holding `input` (then closed) when one is given.
    CliProcess spawn(const std::vector<std::string>& args,
                     std::optional<std::string> input = std::nullopt) const;
    CliResult run(const std::vector<std::string>& args) const;
    CliResult run_with_input(const std::vector<std::string>& args, std::string input) const;
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

CliProcess StateDir::spawn(const std::vector<std::string>& args,
                           std::optional<std::string> input) const {
    int out[2], err[2], in[2] = {-1, -1};
    REQUIRE(::pipe2(out, O_CLOEXEC) == 0);
    REQUIRE(::pipe2(err, O_CLOEXEC) == 0);
    if (input) REQUIRE(::pipe2(in, O_CLOEXEC) == 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    if (input)
        posix_spawn_file_actions_adddup2(&actions, in[0], 0);
    else
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
    if (input) {
        ::close(in[0]);
        // Small inputs only: the pipe holds them without a reader.
        REQUIRE(input->size() < 4096);
        REQUIRE(::write(in[1], input->data(), input->size()) ==
                static_cast<ssize_t>(input->size()));
        ::close(in[1]);
    }
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

CliResult StateDir::run_with_input(const std::vector<std::string>& args, std::string input) const {
    return finish(spawn(args, std::move(input)));
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
        {"files"},
        {"files", "frobnicate"},
        {"files", "ls", "0123456789abcdef"},
        {"files", "ls", "0123456789abcdef", "/", "--depth", "0"},
        {"files", "ls", "0123456789abcdef", "/", "--depth", "x"},
        {"files", "put", "0123456789abcdef", "a"},
        {"files", "get", "0123456789abcdef", "a", "b", "c"},
        {"files", "cat", "0123456789abcdef", "/a", "--json"},
        {"shell"},
        {"shell", "0123456789abcdef", "--user", "admin"},
        {"shell", "0123456789abcdef", "--cwd", "relative"},
        {"shell", "0123456789abcdef", "--", "bash"},
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
    for (const std::vector<std::string>& args : {std::vector<std::string>{"--help"},
                                                 {"help"},
                                                 {"run", "--help"},
                                                 {"help", "exec"},
                                                 {"files", "--help"},
                                                 {"files", "ls", "--help"},
                                                 {"help", "files", "get"},
                                                 {"shell", "--help"}}) {
        auto r = dir.run(args);
        CHECK(r.exit_code == 0);
        CHECK(r.out.starts_with("Usage: soulbox"));
    }
    CHECK(dir.run({"run", "--help"}).out.find("--memory") != std::string::npos);
    auto overview = dir.run({"--help"}).out;
    CHECK(overview.find("shell") != std::string::npos);
    CHECK(overview.find("files") != std::string::npos);
    auto files = dir.run({"files", "--help"}).out;
    for (const char* sub :
         {"files ls", "files cat", "files put", "files get", "files rm", "files mkdir"})
        CHECK_MESSAGE(files.find(sub) != std::string::npos, sub);
    CHECK(dir.run({"files", "ls", "--help"}).out.find("--depth") != std::string::npos);
    CHECK(dir.run({"shell", "--help"}).out.find("--user") != std::string::npos);
    auto version = dir.run({"--version"});
    CHECK(version.exit_code == 0);
    CHECK(version.out == "soulbox " SOULBOX_EXPECTED_VERSION "\n");
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
    if (created.exit_code != 0 && created.err.find("cgroups are unusable") != std::string::npos)
        SOULBOX_SKIP(created.err);
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

// ---- files ----

namespace {

namespace fs = std::filesystem;

// A private scratch directory on the host, removed at the end.
class ScratchDir {
public:
    ScratchDir() {
        char name[] = "/tmp/soulbox-cli-scratch-XXXXXX";
        REQUIRE(::mkdtemp(name) != nullptr);
        path_ = name;
    }
    ScratchDir(const ScratchDir&) = delete;
    ScratchDir& operator=(const ScratchDir&) = delete;
    ~ScratchDir() {
        std::error_code ignored;
        fs::remove_all(path_, ignored);
    }
    std::string operator/(std::string_view name) const { return path_ + "/" + std::string(name); }
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

void write_file(const std::string& path, std::string_view data, mode_t mode) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    REQUIRE(fd >= 0);
    REQUIRE(::write(fd, data.data(), data.size()) == static_cast<ssize_t>(data.size()));
    REQUIRE(::fchmod(fd, mode) == 0);
    ::close(fd);
}

std::string read_file(const std::string& path) {
    std::string data;
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return "<missing>";
    char buf[4096];
    for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;)
        data.append(buf, static_cast<std::size_t>(n));
    ::close(fd);
    return data;
}

mode_t mode_of(const std::string& path) {
    struct stat st {};
    REQUIRE(::lstat(path.c_str(), &st) == 0);
    return st.st_mode & 07777;
}

// Every byte value, then a pattern long enough to take several chunks.
std::string binary_data() {
    std::string data;
    for (int i = 0; i < 256; ++i)
        data += static_cast<char>(i);
    for (std::size_t i = 0; i < 300'000; ++i)
        data += static_cast<char>((i * 7919u) >> 3);
    return data;
}

// tree/ (0750): top.txt, bin.dat (0600), run.sh (0755), a/b/c/deep.txt, a/empty/
void make_tree(const std::string& root) {
    REQUIRE(::mkdir(root.c_str(), 0700) == 0);
    fs::create_directories(root + "/a/b/c");
    fs::create_directories(root + "/a/empty");
    write_file(root + "/top.txt", "top\n", 0644);
    write_file(root + "/bin.dat", binary_data(), 0600);
    write_file(root + "/run.sh", "#!/bin/sh\necho run\n", 0755);
    write_file(root + "/a/b/c/deep.txt", "deep\n", 0640);
    REQUIRE(::chmod(root.c_str(), 0750) == 0);
}

// Relative path -> (mode, contents or "<dir>") for every entry below `root`.
std::map<std::string, std::pair<mode_t, std::string>> tree_contents(const std::string& root) {
    std::map<std::string, std::pair<mode_t, std::string>> out;
    for (const auto& entry : fs::recursive_directory_iterator(root)) {
        std::string path = entry.path().string();
        std::string relative = path.substr(root.size() + 1);
        out[relative] = {mode_of(path), entry.is_directory() ? "<dir>" : read_file(path)};
    }
    out["."] = {mode_of(root), "<dir>"};
    return out;
}

std::string create_sandbox(const StateDir& dir) {
    auto created = dir.run({"create", "--timeout", "300"});
    REQUIRE_MESSAGE(created.exit_code == 0, created.err);
    return split_lines(created.out).at(0);
}

} // namespace

TEST_CASE("files put, cat and get round-trip a file, binary data included") {
    StateDir dir;
    ScratchDir scratch;
    std::string id = create_sandbox(dir);
    std::string data = binary_data();
    write_file(scratch / "blob", data, 0640);

    auto put = dir.run({"files", "put", id, scratch / "blob", "/home/user/blob"});
    CHECK_MESSAGE(put.exit_code == 0, put.err);
    CHECK(put.out == "");
    auto cat = dir.run({"files", "cat", id, "/home/user/blob"});
    CHECK(cat.exit_code == 0);
    CHECK(cat.out == data);

    auto get = dir.run({"files", "get", id, "/home/user/blob", scratch / "back"});
    CHECK_MESSAGE(get.exit_code == 0, get.err);
    CHECK(read_file(scratch / "back") == data);
    CHECK(mode_of(scratch / "back") == 0640);
    // Into an existing directory: the copy keeps its name, as with cp.
    REQUIRE(::mkdir((scratch / "into").c_str(), 0700) == 0);
    CHECK(dir.run({"files", "get", id, "/home/user/blob", scratch / "into"}).exit_code == 0);
    CHECK(read_file(scratch / "into/blob") == data);
    CHECK(dir.run({"kill", id}).exit_code == 0);
}

TEST_CASE("files put and get copy a directory tree with nested dirs, modes and binary data") {
    StateDir dir;
    ScratchDir scratch;
    std::string id = create_sandbox(dir);
    make_tree(scratch / "tree");

    auto put = dir.run({"files", "put", id, scratch / "tree", "/home/user/tree"});
    REQUIRE_MESSAGE(put.exit_code == 0, put.err);
    CHECK(put.err == "");
    auto deep = dir.run({"files", "cat", id, "/home/user/tree/a/b/c/deep.txt"});
    CHECK(deep.out == "deep\n");
    // The mode arrived inside too.
    auto exec = dir.run({"exec", id, "--", "/home/user/tree/run.sh"});
    CHECK(exec.out == "run\n");

    auto get = dir.run({"files", "get", id, "/home/user/tree", scratch / "back"});
    REQUIRE_MESSAGE(get.exit_code == 0, get.err);
    auto original = tree_contents(scratch / "tree");
    auto copy = tree_contents(scratch / "back");
    CHECK(copy.size() == original.size());
    for (const auto& [path, value] : original) {
        CAPTURE(path);
        REQUIRE(copy.count(path) == 1);
        CHECK(copy[path].first == value.first);
        CHECK(copy[path].second == value.second);
    }
    CHECK(dir.run({"kill", id}).exit_code == 0);
}

TEST_CASE("files ls lists entries as a table and as JSON, to a depth") {
    StateDir dir;
    ScratchDir scratch;
    std::string id = create_sandbox(dir);
    make_tree(scratch / "tree");
    REQUIRE(dir.run({"files", "put", id, scratch / "tree", "/home/user/tree"}).exit_code == 0);

    auto table = dir.run({"files", "ls", id, "/home/user/tree"});
    CHECK(table.exit_code == 0);
    CHECK(table.out.find("/home/user/tree/top.txt") != std::string::npos);
    CHECK(table.out.find("-rwxr-xr-x") != std::string::npos);
    CHECK(table.out.find("deep.txt") == std::string::npos); // depth 1

    auto listed = dir.run({"files", "ls", id, "/home/user/tree", "--json"});
    REQUIRE(listed.exit_code == 0);
    simdjson::dom::parser parser;
    simdjson::dom::array entries;
    REQUIRE_MESSAGE(parser.parse(listed.out).get(entries) == simdjson::SUCCESS, listed.out);
    std::map<std::string, simdjson::dom::element> by_name;
    for (auto entry : entries)
        by_name[field_string(entry, "name")] = entry;
    CHECK(by_name.size() == 4); // a, bin.dat, run.sh, top.txt
    REQUIRE(by_name.count("bin.dat") == 1);
    auto bin = by_name["bin.dat"];
    CHECK(field_string(bin, "type") == "file");
    CHECK(field_string(bin, "path") == "/home/user/tree/bin.dat");
    CHECK(field_string(bin, "permissions") == "-rw-------");
    CHECK(field_string(bin, "owner") == "user");
    CHECK(field_string(bin, "group") == "user");
    std::string modified = field_string(bin, "modified_time");
    CHECK(modified.size() == 20);
    CHECK(modified.ends_with("Z"));
    uint64_t size = 0, mode = 0;
    CHECK(bin["size"].get(size) == simdjson::SUCCESS);
    CHECK(bin["mode"].get(mode) == simdjson::SUCCESS);
    CHECK(size == binary_data().size());
    CHECK(mode == 0600);
    CHECK(bin["symlink_target"].is_null());
    REQUIRE(by_name.count("a") == 1);
    CHECK(field_string(by_name["a"], "type") == "dir");

    auto deep = dir.run({"files", "ls", id, "/home/user/tree", "--depth", "4", "--json"});
    REQUIRE(deep.exit_code == 0);
    CHECK(deep.out.find("\"/home/user/tree/a/b/c/deep.txt\"") != std::string::npos);

    // A symlink made inside shows its target.
    REQUIRE(
        dir.run({"exec", id, "--", "/bin/ln", "-s", "top.txt", "/home/user/tree/link"}).exit_code ==
        0);
    auto with_link = dir.run({"files", "ls", id, "/home/user/tree", "--json"});
    REQUIRE(parser.parse(with_link.out).get(entries) == simdjson::SUCCESS);
    bool saw_link = false;
    for (auto entry : entries)
        if (field_string(entry, "name") == "link") {
            saw_link = true;
            CHECK(field_string(entry, "type") == "symlink");
            CHECK(field_string(entry, "symlink_target") == "top.txt");
        }
    CHECK(saw_link);
    CHECK(dir.run({"kill", id}).exit_code == 0);
}

TEST_CASE("files mkdir and rm; errors are one line with exit 1") {
    StateDir dir;
    std::string id = create_sandbox(dir);
    auto made = dir.run({"files", "mkdir", id, "/home/user/new/deeper"});
    CHECK_MESSAGE(made.exit_code == 0, made.err);
    CHECK(dir.run({"files", "mkdir", id, "/home/user/new/deeper"}).exit_code == 0); // -p
    auto listed = dir.run({"files", "ls", id, "/home/user/new", "--json"});
    CHECK(listed.out.find("\"type\":\"dir\"") != std::string::npos);
    CHECK(listed.out.find("\"name\":\"deeper\"") != std::string::npos);

    auto removed = dir.run({"files", "rm", id, "/home/user/new"});
    CHECK_MESSAGE(removed.exit_code == 0, removed.err);
    auto gone = dir.run({"files", "ls", id, "/home/user/new"});
    CHECK(gone.exit_code == 1);
    check_one_error_line(gone);

    auto missing = dir.run({"files", "cat", id, "/home/user/no-such-file"});
    CHECK(missing.exit_code == 1);
    CHECK(missing.out == "");
    check_one_error_line(missing);
    CHECK(missing.err.find("no-such-file") != std::string::npos);

    auto rm_missing = dir.run({"files", "rm", id, "/home/user/no-such-file"});
    CHECK(rm_missing.exit_code == 1);
    check_one_error_line(rm_missing);
    auto put_missing = dir.run({"files", "put", id, "/nonexistent/local", "/home/user/x"});
    CHECK(put_missing.exit_code == 1);
    check_one_error_line(put_missing);
    auto unknown = dir.run({"files", "ls", "0123456789abcdef", "/"});
    CHECK(unknown.exit_code == 1);
    check_one_error_line(unknown);
    CHECK(dir.run({"kill", id}).exit_code == 0);
}

// ---- shell ----

TEST_CASE("shell without a terminal: piped input is typed, the shell's exit code is ours") {
    StateDir dir;
    std::string id = create_sandbox(dir);
    auto piped = dir.run_with_input({"shell", id}, "echo piped-$((2+3))\nexit 6\n");
    CHECK(piped.exit_code == 6);
    CHECK(piped.out.find("piped-5") != std::string::npos);
    // Input that ends without `exit` ends the shell as end of file does.
    auto ended = dir.run_with_input({"shell", id}, "echo ended-$((3+4))\n");
    CHECK(ended.exit_code == 0);
    CHECK(ended.out.find("ended-7") != std::string::npos);
    // No terminal on stdin: 24x80.
    auto size = dir.run_with_input({"shell", id}, "stty size\nexit\n");
    CHECK(size.out.find("24 80") != std::string::npos);
    CHECK(dir.run({"kill", id}).exit_code == 0);
}

namespace {

std::string find_tmux() {
    for (const char* candidate : {"/usr/bin/tmux", "/usr/local/bin/tmux", "/bin/tmux"})
        if (::access(candidate, X_OK) == 0) return candidate;
    return {};
}

// A tmux server of our own (its own socket), killed at the end.
class Tmux {
public:
    explicit Tmux(const StateDir& dir) : dir_(dir) {
        static int counter = 0;
        socket_ = "soulbox-test-" + std::to_string(::getpid()) + "-" + std::to_string(++counter);
        binary_ = find_tmux();
        if (binary_.empty())
            FAIL("tmux is not installed: the shell test needs a real terminal emulator "
                 "(apt-get install -y tmux; scripts/install-deps.sh should install it)");
    }
    Tmux(const Tmux&) = delete;
    Tmux& operator=(const Tmux&) = delete;
    ~Tmux() { (void)run({"kill-server"}); }

    CliResult run(std::vector<std::string> args) const {
        args.insert(args.begin(), {binary_, "-L", socket_, "-f", "/dev/null"});
        int out[2];
        REQUIRE(::pipe2(out, O_CLOEXEC) == 0);
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_adddup2(&actions, out[1], 1);
        posix_spawn_file_actions_adddup2(&actions, out[1], 2);
        auto env = dir_.environment();
        auto c_argv = c_strings(args);
        auto c_env = c_strings(env);
        pid_t pid = -1;
        int rc =
            ::posix_spawn(&pid, binary_.c_str(), &actions, nullptr, c_argv.data(), c_env.data());
        posix_spawn_file_actions_destroy(&actions);
        ::close(out[1]);
        REQUIRE_MESSAGE(rc == 0, "posix_spawn tmux: " << std::strerror(rc));
        int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        return finish({pid, out[0], devnull});
    }

    // The visible screen, one string per line, trailing spaces removed.
    std::vector<std::string> screen() const {
        auto lines = split_lines(run({"capture-pane", "-p", "-t", "shell"}).out);
        for (auto& line : lines)
            line.erase(line.find_last_not_of(' ') + 1);
        return lines;
    }
    bool screen_has_line(const std::string& wanted) const {
        auto lines = screen();
        return std::find(lines.begin(), lines.end(), wanted) != lines.end();
    }
    void type(const std::string& keys) const {
        REQUIRE(run({"send-keys", "-t", "shell", "-l", keys}).exit_code == 0);
        REQUIRE(run({"send-keys", "-t", "shell", "Enter"}).exit_code == 0);
    }

private:
    const StateDir& dir_;
    std::string socket_;
    std::string binary_;
};

// Poll `condition` until it holds or `limit` passes.
template <class F> bool eventually(F condition, std::chrono::milliseconds limit = 20s) {
    auto deadline = Clock::now() + limit;
    while (!condition()) {
        if (Clock::now() > deadline) return false;
        ::usleep(50'000);
    }
    return true;
}

std::string screen_text(const Tmux& tmux) {
    std::string text;
    for (const auto& line : tmux.screen())
        text += line + "\n";
    return text;
}

// `soulbox shell ID` in a 100x30 tmux window; when it ends, its exit status and the terminal
// settings it left behind go to `report`.
void start_shell(const Tmux& tmux, const StateDir& dir, const std::string& id,
                 const std::string& report) {
    std::string command = "SOULBOX_STATE_DIR=" + dir.path() + " " SOULBOX_CLI_PATH " shell " + id +
                          "; echo EXIT=$? > " + report + "; stty -a >> " + report;
    auto started = tmux.run({"new-session", "-d", "-s", "shell", "-x", "100", "-y", "30", command});
    REQUIRE_MESSAGE(started.exit_code == 0, started.out);
    // Typed until the shell answers: input sent before it runs is fine, but this also proves
    // the round trip.
    tmux.type("echo ready-$((20+22))");
    REQUIRE_MESSAGE(
        eventually([&] { return tmux.screen_has_line("ready-42"); }), "screen:\n"
                                                                          << screen_text(tmux));
}

// The terminal mode lines of `stty -a`: canonical mode and echo are back on.
void check_terminal_restored(const std::string& report) {
    CHECK_MESSAGE(report.find(" icanon") != std::string::npos, report);
    CHECK_MESSAGE(report.find("-icanon") == std::string::npos, report);
    CHECK_MESSAGE(report.find(" echo ") != std::string::npos, report);
}

} // namespace

TEST_CASE("shell in a real terminal (tmux): size, resize, typing and exit code") {
    StateDir dir;
    ScratchDir scratch;
    Tmux tmux(dir);
    std::string id = create_sandbox(dir);
    std::string report = scratch / "report";
    start_shell(tmux, dir, id, report);

    tmux.type("tput cols");
    CHECK_MESSAGE(
        eventually([&] { return tmux.screen_has_line("100"); }), "screen:\n"
                                                                     << screen_text(tmux));

    REQUIRE(tmux.run({"resize-window", "-t", "shell", "-x", "120", "-y", "30"}).exit_code == 0);
    // SIGWINCH reaches soulbox on its own path, so ask again until the new size shows.
    bool resized = eventually(
        [&] {
            tmux.type("tput cols");
            return eventually([&] { return tmux.screen_has_line("120"); }, 1s);
        },
        20s);
    CHECK_MESSAGE(resized, "screen:\n" << screen_text(tmux));

    tmux.type("exit 4");
    CHECK_MESSAGE(eventually([&] { return read_file(report).find("speed") != std::string::npos; }),
                  "screen:\n"
                      << screen_text(tmux));
    std::string result = read_file(report);
    CHECK_MESSAGE(result.starts_with("EXIT=4\n"), result);
    check_terminal_restored(result);
    CHECK(dir.run({"kill", id}).exit_code == 0);
}

TEST_CASE("shell restores the terminal and hangs up the shell when it gets SIGTERM") {
    StateDir dir;
    ScratchDir scratch;
    Tmux tmux(dir);
    std::string id = create_sandbox(dir);
    std::string report = scratch / "report";
    start_shell(tmux, dir, id, report);

    // The pane runs sh, whose child is soulbox.
    auto pane = split_lines(tmux.run({"display-message", "-p", "-t", "shell", "#{pane_pid}"}).out);
    REQUIRE(pane.size() == 1);
    std::string children = read_file("/proc/" + pane[0] + "/task/" + pane[0] + "/children");
    int cli = std::atoi(children.c_str());
    REQUIRE(cli > 0);
    REQUIRE(::kill(cli, SIGTERM) == 0);
    CHECK_MESSAGE(eventually([&] { return read_file(report).find("speed") != std::string::npos; }),
                  "screen:\n"
                      << screen_text(tmux));
    std::string result = read_file(report);
    CHECK_MESSAGE(result.starts_with("EXIT=143\n"), result);
    check_terminal_restored(result);
    // The shell inside got the hang-up and is gone.
    CHECK(eventually([&] {
        auto bash = dir.run({"exec", id, "--", "/usr/bin/pgrep", "-x", "bash"});
        return bash.exit_code == 1 && bash.out.empty();
    }));
    CHECK(dir.run({"kill", id}).exit_code == 0);
}

TEST_CASE("a host without user namespaces gets an error that names the cause") {
    // A nested user namespace whose own user.max_user_namespaces is 0 is a host on which
    // user namespaces are disabled, for everything started inside it.
    StateDir dir;
    int err[2];
    REQUIRE(::pipe2(err, O_CLOEXEC) == 0);
    auto env = dir.environment();
    std::vector<std::string> argv{SOULBOX_CLI_PATH, "run", "--", "/bin/true"};
    auto c_argv = c_strings(argv);
    auto c_env = c_strings(env);
    uid_t uid = ::geteuid();
    gid_t gid = ::getegid();
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        auto write_to = [](const char* path, const std::string& text) {
            int fd = ::open(path, O_WRONLY | O_CLOEXEC);
            bool ok = fd >= 0 &&
                      ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
            if (fd >= 0) ::close(fd);
            if (!ok) ::_exit(90);
        };
        if (::unshare(CLONE_NEWUSER) != 0) ::_exit(91);
        write_to("/proc/self/setgroups", "deny");
        write_to("/proc/self/uid_map", "0 " + std::to_string(uid) + " 1\n");
        write_to("/proc/self/gid_map", "0 " + std::to_string(gid) + " 1\n");
        write_to("/proc/sys/user/max_user_namespaces", "0\n");
        ::dup2(err[1], 2);
        ::execve(SOULBOX_CLI_PATH, c_argv.data(), c_env.data());
        ::_exit(92);
    }
    ::close(err[1]);
    std::string message;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(err[0], buf, sizeof buf)) > 0)
        message.append(buf, static_cast<size_t>(n));
    ::close(err[0]);
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 1);
    CHECK(message.find("user namespaces are disabled (sysctl user.max_user_namespaces=0)") !=
          std::string::npos);
    CHECK(std::count(message.begin(), message.end(), '\n') == 1);
}
