// soulbox-agent: PID 1 of a sandbox. Started by the host library from a sealed memfd inside the
// new namespaces, with one argument: the number of its bootstrap socket. It builds the root
// filesystem, locks itself down, reports ready and serves the control protocol (docs/protocol.md).
#include "agent/server.hpp"
#include "caps/drop.hpp"
#include "ns/net.hpp"
#include "ns/rootfs.hpp"
#include "protocol/message.hpp"
#include "seccomp/policy.hpp"
#include "spec/setup_mounts.hpp"

#include <csignal>
#include <cstdlib>
#include <sched.h>
#include <sys/prctl.h>
#include <unistd.h>

using namespace soulbox;
using protocol::Field;
using protocol::Message;
using protocol::Op;

namespace {

Status set_up(const ns::RootfsPlan& plan, std::string_view hostname, int seccomp_fd) {
    // A cgroup namespace rooted at the sandbox's own group (the host placed us there already).
    if (::unshare(CLONE_NEWCGROUP) != 0) return std::unexpected(sys_error("unshare cgroup"));
    if (auto s = ns::build_rootfs(plan); !s) return std::unexpected(s.error().context("rootfs"));
    if (::sethostname(hostname.data(), hostname.size()) != 0)
        return std::unexpected(sys_error("sethostname"));
    if (auto s = ns::bring_up_loopback(); !s) return s;
    if (auto s = caps::empty_bounding_set(); !s) return s;
    // Nothing in the sandbox may ptrace us or read our memory through /proc.
    if (::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) return std::unexpected(sys_error("dumpable"));
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        return std::unexpected(sys_error("no_new_privs"));
    auto program = seccomp::read_program(seccomp_fd);
    if (!program) return std::unexpected(program.error());
    // From here on the agent itself runs under the sandbox's filter; its children inherit it.
    return seccomp::install(program->instructions);
}

} // namespace

int main(int argc, char** argv) {
    if (argc != 2) return 2;
    int boot_fd = std::atoi(argv[1]);
    if (boot_fd < 3) return 2;
    // The host execs us with every signal blocked (src/sandbox/launch.cpp): start clean.
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::signal(SIGPIPE, SIG_IGN);

    protocol::Reader reader;
    auto setup = protocol::receive_message(boot_fd, reader, 30000);
    if (!setup || setup->op() != Op::setup || setup->fds().size() != 2) return 3;
    auto fail = [&](const Error& error) {
        (void)protocol::send_message(boot_fd, Message::error_reply(0, error));
        return 4;
    };

    auto mounts = spec::read_mounts(*setup);
    if (!mounts) return fail(mounts.error());
    ns::RootfsPlan plan;
    plan.mounts = std::move(*mounts);
    std::string hostname(setup->get(Field::hostname).value_or("sandbox"));
    plan.user_uid = static_cast<uid_t>(setup->get_u64(Field::sandbox_uid).value_or(1000));
    plan.user_gid = static_cast<gid_t>(setup->get_u64(Field::sandbox_gid).value_or(1000));
    plan.rootless = setup->get_u64(Field::rootless).value_or(0) != 0;
    plan.disk_bytes = setup->get_u64(Field::disk_bytes).value_or(0);

    UniqueFd listen_socket = std::move(setup->fds()[0]);
    UniqueFd seccomp_fd = std::move(setup->fds()[1]);
    if (auto s = set_up(plan, hostname, seccomp_fd.get()); !s) return fail(s.error());
    seccomp_fd.reset();

    agent::ServerConfig config;
    config.bootstrap.reset(boot_fd);
    config.listen_socket = std::move(listen_socket);
    for (auto kv : setup->get_all(Field::env))
        config.sandbox_env.emplace_back(kv);
    config.user_uid = plan.user_uid;
    config.user_gid = plan.user_gid;
    config.rootless = plan.rootless;
    config.deadline_ms = setup->get_u64(Field::deadline_ms).value_or(0);
    if (auto s = agent::serve(std::move(config)); !s) return 5;
    return 0;
}
