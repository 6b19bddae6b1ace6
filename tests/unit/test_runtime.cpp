// Runtime: configuration from options and from the environment, and what it owns.
#include "runtime/runtime.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <fcntl.h>
#include <mutex>
#include <optional>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

using namespace soulbox;

namespace {

// Sets environment variables for one case and restores them afterwards.
class ScopedEnv {
public:
    void set(const char* name, const char* value) {
        const char* old = std::getenv(name);
        saved_.push_back({name, old ? std::optional<std::string>(old) : std::nullopt});
        ::setenv(name, value, 1);
    }
    ~ScopedEnv() {
        for (auto it = saved_.rbegin(); it != saved_.rend(); ++it) {
            if (it->second)
                ::setenv(it->first.c_str(), it->second->c_str(), 1);
            else
                ::unsetenv(it->first.c_str());
        }
    }

private:
    std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

std::string temp_root() {
    char dir[] = "/tmp/soulbox-runtime-XXXXXX";
    REQUIRE(::mkdtemp(dir) != nullptr);
    return std::string(dir) + "/state";
}

} // namespace

TEST_CASE("runtime: options from the environment") {
    ScopedEnv env;
    env.set("SOULBOX_STATE_DIR", "/tmp/somewhere");
    env.set("SOULBOX_CGROUP", "v2");
    env.set("SOULBOX_IO", "epoll");
    RuntimeOptions options = runtime_options_from_environment();
    CHECK(options.state_dir == "/tmp/somewhere");
    CHECK(options.cgroup == "v2");
    CHECK(options.io == "epoll");

    ::unsetenv("SOULBOX_CGROUP");
    ::unsetenv("SOULBOX_IO");
    options = runtime_options_from_environment();
    CHECK(options.cgroup == "auto");
    CHECK(options.io == "auto");
}

TEST_CASE("runtime: io=epoll gives an epoll loop, auto prefers io_uring") {
    RuntimeOptions options;
    options.state_dir = temp_root();
    options.io = "epoll";
    auto epoll = Runtime::create(options);
    REQUIRE_MESSAGE(epoll.has_value(), epoll.error().describe());
    CHECK((*epoll)->loop().backend() == io::Backend::epoll);

    options.io = "auto";
    auto automatic = Runtime::create(options);
    REQUIRE(automatic.has_value());
    // Two runtimes, two loops: a handler blocked on one does not hold up the other.
    CHECK(&(*automatic)->loop() != &(*epoll)->loop());
}

TEST_CASE("runtime: bad options are refused by name") {
    RuntimeOptions options;
    options.state_dir = temp_root();
    options.cgroup = "v3";
    auto bad_cgroup = Runtime::create(options);
    REQUIRE_FALSE(bad_cgroup.has_value());
    CHECK(bad_cgroup.error().code == Errc::invalid_argument);
    CHECK(bad_cgroup.error().message.find("v3") != std::string::npos);

    options.cgroup = "auto";
    options.io = "kqueue";
    auto bad_io = Runtime::create(options);
    REQUIRE_FALSE(bad_io.has_value());
    CHECK(bad_io.error().message.find("kqueue") != std::string::npos);

    options.io = "auto";
    options.state_dir = "relative/dir";
    auto relative = Runtime::create(options);
    REQUIRE_FALSE(relative.has_value());
    CHECK(relative.error().code == Errc::invalid_argument);
}

TEST_CASE("runtime: the state root is created private, and a foreign one is refused") {
    RuntimeOptions options;
    options.state_dir = temp_root();
    auto runtime = Runtime::create(options);
    REQUIRE(runtime.has_value());
    CHECK((*runtime)->state_root() == options.state_dir);
    struct stat st {};
    REQUIRE(::stat(options.state_dir.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0700);

    ::chmod(options.state_dir.c_str(), 0755);
    auto loose = Runtime::create(options);
    REQUIRE_FALSE(loose.has_value());
    CHECK(loose.error().code == Errc::permission_denied);
}

TEST_CASE("runtime: one sealed seccomp memfd per runtime, compiled once") {
    RuntimeOptions options;
    options.state_dir = temp_root();
    auto runtime = Runtime::create(options);
    REQUIRE(runtime.has_value());
    auto first = (*runtime)->seccomp_policy_fd();
    auto second = (*runtime)->seccomp_policy_fd();
    REQUIRE(first.has_value());
    REQUIRE(second.has_value());
    CHECK(*first == *second);
    CHECK((::fcntl(*first, F_GET_SEALS) & F_SEAL_WRITE) != 0);
}

TEST_CASE("runtime: the log hook hears the runtime's choices") {
    std::mutex mutex;
    std::vector<std::string> lines;
    RuntimeOptions options;
    options.state_dir = temp_root();
    options.log = [&](LogLevel level, std::string_view message) {
        std::lock_guard lock(mutex);
        if (level == LogLevel::info) lines.emplace_back(message);
    };
    auto runtime = Runtime::create(options);
    REQUIRE(runtime.has_value());
    std::lock_guard lock(mutex);
    REQUIRE(lines.size() == 1);
    CHECK(lines[0].find(options.state_dir) != std::string::npos);
    CHECK(lines[0].find("cgroups") != std::string::npos);
}

TEST_CASE("runtime: the default runtime is one object") {
    auto first = Runtime::default_runtime();
    auto second = Runtime::default_runtime();
    REQUIRE(first.has_value());
    REQUIRE(second.has_value());
    CHECK(first->get() == second->get());
    auto fallback = Runtime::or_default(nullptr);
    REQUIRE(fallback.has_value());
    CHECK(fallback->get() == first->get());
}
