// The real agent's side of hello and of ops it does not know, over a sandbox's control.sock.
#include "protocol/message.hpp"
#include "sandbox/channel.hpp"
#include "sandbox/state.hpp"
#include "support/sandbox_fixture.hpp"

#include <algorithm>
#include <sys/socket.h>
#include <sys/un.h>

using namespace soulbox;
using namespace soulbox::test;
using namespace soulbox::protocol;

namespace {

// The sandbox lives in a runtime of its own, so the test knows where its control socket is.
struct SandboxInRuntime {
    Runtime runtime = expect_ok(Runtime::create(), "create runtime");
    Sandbox sandbox = expect_ok(Sandbox::create({}, runtime), "create sandbox");
};

// The channel's loop, as a runtime would have one.
std::shared_ptr<io::EventLoop> channel_loop() {
    static const std::shared_ptr<io::EventLoop> loop = [] {
        return std::shared_ptr<io::EventLoop>(expect_ok(io::EventLoop::create(), "loop"));
    }();
    return loop;
}

UniqueFd connect_control_socket(const SandboxInRuntime& in) {
    const std::string root = in.runtime.state_dir();
    const Sandbox& sbx = in.sandbox;
    std::string path = sandbox::control_socket_path(root, sbx.id());
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    REQUIRE(path.size() < sizeof addr.sun_path);
    std::copy(path.begin(), path.end(), addr.sun_path);
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    REQUIRE(fd);
    REQUIRE(::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    return fd;
}

} // namespace

TEST_CASE("agent protocol: a sandbox's agent speaks protocol 1 and serves every request op") {
    SandboxInRuntime in;
    Sandbox& sbx = in.sandbox;
    auto channel = expect_ok(sandbox::Channel::open(connect_control_socket(in), channel_loop()),
                             "open channel");
    CHECK(channel->agent_protocol_version() == kProtocolVersion);
    for (const OpInfo& info : kOps) {
        // setup only ever comes first on the bootstrap socket; the rest are the agent's to serve.
        bool request = info.direction == Direction::host_to_agent && info.op != Op::setup;
        CHECK_MESSAGE(channel->supports(info.op) == request, info.name);
    }
    expect_ok(sbx.kill(), "kill");
}

TEST_CASE("agent protocol: hello lists op names; an unknown op gets an error reply, not a hangup") {
    SandboxInRuntime in;
    Sandbox& sbx = in.sandbox;
    UniqueFd socket = connect_control_socket(in);
    Reader reader;

    Message hello(Op::hello, 1);
    hello.add_u64(Field::protocol_version, kProtocolVersion);
    expect_ok(send_message(socket.get(), std::move(hello)), "send hello");
    auto reply = expect_ok(receive_message(socket.get(), reader, 10000), "hello reply");
    CHECK(reply.request_id() == 1);
    CHECK(reply.get_u64(Field::protocol_version) == kProtocolVersion);
    auto names = reply.get_all(Field::op_name);
    CHECK(std::ranges::find(names, "fs_remove") != names.end());
    CHECK(std::ranges::find(names, "reply") == names.end());

    Message unknown(static_cast<Op>(77), 2);
    expect_ok(send_message(socket.get(), std::move(unknown)), "send op 77");
    auto refused = expect_ok(receive_message(socket.get(), reader, 10000), "reply to op 77");
    CHECK(refused.request_id() == 2);
    REQUIRE(refused.error().has_value());
    CHECK(refused.error()->code == Errc::protocol);
    CHECK(refused.error()->message == "unknown op 77");

    Message not_a_request(Op::exit_event, 3);
    expect_ok(send_message(socket.get(), std::move(not_a_request)), "send exit_event");
    auto unexpected = expect_ok(receive_message(socket.get(), reader, 10000), "reply");
    REQUIRE(unexpected.error().has_value());
    CHECK(unexpected.error()->message == "unexpected request exit_event");

    // The connection is still served.
    expect_ok(send_message(socket.get(), Message(Op::list, 4)), "send list");
    auto listed = expect_ok(receive_message(socket.get(), reader, 10000), "list reply");
    CHECK(listed.request_id() == 4);
    CHECK_FALSE(listed.error().has_value());
    expect_ok(sbx.kill(), "kill");
}
