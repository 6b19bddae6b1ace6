// The host's side of hello (sandbox::Channel) against fake agents on a socketpair: an agent
// from before hello, the current one, and a newer one.
#include "protocol/message.hpp"
#include "sandbox/channel.hpp"

#include <doctest/doctest.h>
#include <functional>
#include <sys/socket.h>
#include <thread>
#include <vector>

using namespace soulbox;
using namespace soulbox::protocol;

namespace {

// One loop for the channels of these cases, as a runtime has.
std::shared_ptr<io::EventLoop> test_loop() {
    static const std::shared_ptr<io::EventLoop> loop = [] {
        auto created = io::EventLoop::create();
        REQUIRE(created.has_value());
        return std::shared_ptr<io::EventLoop>(std::move(*created));
    }();
    return loop;
}

// Runs `serve` on the agent's end of a socketpair, on its own thread; the agent's end closes
// when `serve` returns. Only CHECKs there: a REQUIRE cannot unwind another thread.
class FakeAgent {
public:
    explicit FakeAgent(std::function<void(int socket, Reader& reader)> serve) {
        int fds[2];
        REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0);
        host_end_.reset(fds[0]);
        thread_ = std::thread([serve = std::move(serve), agent = UniqueFd(fds[1])] {
            Reader reader;
            serve(agent.get(), reader);
        });
    }
    ~FakeAgent() { thread_.join(); }
    UniqueFd take_host_end() { return std::move(host_end_); }

private:
    UniqueFd host_end_;
    std::thread thread_;
};

// What the fake agent got as hello.
struct SeenHello {
    Op op = Op::reply;
    std::optional<std::uint64_t> version;
};

Message hello_reply(const Message& hello, std::uint64_t version,
                    const std::vector<std::string>& ops) {
    Message reply(Op::reply, hello.request_id());
    reply.add_u64(Field::protocol_version, version);
    for (const auto& name : ops)
        reply.add(Field::op_name, name);
    return reply;
}

// Answer one `list` request, so a test sees which request reached the agent next.
void answer_list(int socket, Reader& reader, std::vector<Op>& received) {
    auto next = receive_message(socket, reader, 10000);
    if (!next) return;
    received.push_back(next->op());
    CHECK(send_message(socket, Message(Op::reply, next->request_id())));
}

} // namespace

TEST_CASE("channel: an agent that answers hello with an error is an older agent, protocol 0") {
    SeenHello seen;
    FakeAgent agent([&](int socket, Reader& reader) {
        auto hello = receive_message(socket, reader, 10000);
        if (!hello) return; // the host's side fails the test
        seen = {hello->op(), hello->get_u64(Field::protocol_version)};
        // What an agent without hello does with a request it has no case for.
        CHECK(send_message(socket,
                           Message::error_reply(hello->request_id(),
                                                make_error(Errc::protocol, "unexpected request"))));
        std::vector<Op> more;
        answer_list(socket, reader, more);
    });
    auto channel = sandbox::Channel::open(agent.take_host_end(), test_loop());
    REQUIRE_MESSAGE(channel, channel.error().describe());
    CHECK(seen.op == Op::hello);
    CHECK(seen.version == kProtocolVersion);
    CHECK((*channel)->agent_protocol_version() == 0);
    CHECK_FALSE((*channel)->closed()); // alive, not dead
    CHECK_FALSE((*channel)->supports(Op::spawn));
    auto refused = (*channel)->request(Message(Op::list, 0));
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code == Errc::unsupported);
    (*channel).reset(); // the agent's end sees EOF and its thread ends
}

TEST_CASE("channel: an agent that drops the connection on hello (release 0.1.0) is protocol 0") {
    FakeAgent agent([](int socket, Reader& reader) {
        // 0.1.0's decoder took an unknown op for a broken frame and closed the connection.
        CHECK(receive_message(socket, reader, 10000));
    });
    auto channel = sandbox::Channel::open(agent.take_host_end(), test_loop());
    REQUIRE_MESSAGE(channel, channel.error().describe());
    CHECK((*channel)->agent_protocol_version() == 0);
    CHECK((*channel)->closed());
    auto after = (*channel)->request(Message(Op::list, 0));
    REQUIRE_FALSE(after);
    CHECK(after.error().code == Errc::not_running); // closed says so, not "unsupported"
}

TEST_CASE("channel: a protocol 1 agent's op list decides what may be sent") {
    std::vector<Op> received;
    FakeAgent agent([&](int socket, Reader& reader) {
        auto hello = receive_message(socket, reader, 10000);
        if (!hello) return; // the host's side fails the test
        CHECK(send_message(socket, hello_reply(*hello, 1, {"hello", "list", "spawn"})));
        answer_list(socket, reader, received);
    });
    auto channel = sandbox::Channel::open(agent.take_host_end(), test_loop());
    REQUIRE_MESSAGE(channel, channel.error().describe());
    CHECK((*channel)->agent_protocol_version() == 1);
    CHECK((*channel)->supports(Op::spawn));
    CHECK((*channel)->supports(Op::list));
    CHECK_FALSE((*channel)->supports(Op::resize));
    auto resize = (*channel)->request(Message(Op::resize, 0));
    REQUIRE_FALSE(resize);
    CHECK(resize.error().code == Errc::unsupported);
    CHECK(resize.error().message.find("resize") != std::string::npos);
    CHECK((*channel)->request(Message(Op::list, 0)));
    (*channel).reset();
    // resize was refused on the host: the agent only ever saw list.
    CHECK(received == std::vector<Op>{Op::list});
}

TEST_CASE("channel: a newer agent's version is kept and op names this library lacks are ignored") {
    FakeAgent agent([](int socket, Reader& reader) {
        auto hello = receive_message(socket, reader, 10000);
        if (!hello) return; // the host's side fails the test
        CHECK(send_message(
            socket, hello_reply(*hello, 7, {"hello", "fs_copy", "fs_stat", "snapshot_create"})));
    });
    auto channel = sandbox::Channel::open(agent.take_host_end(), test_loop());
    REQUIRE_MESSAGE(channel, channel.error().describe());
    CHECK((*channel)->agent_protocol_version() == 7);
    CHECK((*channel)->supports(Op::fs_stat));
    CHECK((*channel)->supports(Op::hello));
    CHECK_FALSE((*channel)->supports(Op::spawn));
}

TEST_CASE("channel: a hello reply without a protocol version is a protocol error") {
    FakeAgent agent([](int socket, Reader& reader) {
        auto hello = receive_message(socket, reader, 10000);
        if (!hello) return; // the host's side fails the test
        CHECK(send_message(socket, Message(Op::reply, hello->request_id())));
    });
    auto channel = sandbox::Channel::open(agent.take_host_end(), test_loop());
    REQUIRE_FALSE(channel);
    CHECK(channel.error().code == Errc::protocol);
}
