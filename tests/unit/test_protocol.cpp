// The host-agent frame format: round trips, fd passing, and rejection of malformed input; the op
// list and its table in docs/protocol.md.
#include "core/json_writer.hpp"
#include "protocol/message.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <fstream>
#include <map>
#include <sys/socket.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

using namespace soulbox;
using namespace soulbox::protocol;

namespace {

struct SocketPair {
    UniqueFd a, b;
    SocketPair() {
        int fds[2];
        REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0);
        a.reset(fds[0]);
        b.reset(fds[1]);
    }
};

std::span<const std::byte> bytes_of(const std::string& s) {
    return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

} // namespace

TEST_CASE("a frame round-trips its op, id, repeated fields and integers") {
    Message m(Op::spawn, 42);
    m.add(Field::argv, "python3").add(Field::argv, "-c").add(Field::argv, std::string("a\0b", 3));
    m.add_u64(Field::timeout_ms, 0xfedcba9876543210ull);
    std::string wire = m.encode();
    std::size_t fds = 99;
    auto back = Message::decode(bytes_of(wire), &fds);
    REQUIRE(back);
    CHECK(back->op() == Op::spawn);
    CHECK(back->request_id() == 42);
    CHECK(fds == 0);
    auto argv = back->get_all(Field::argv);
    REQUIRE(argv.size() == 3);
    CHECK(argv[2] == std::string_view("a\0b", 3));
    CHECK(back->get_u64(Field::timeout_ms) == 0xfedcba9876543210ull);
    CHECK_FALSE(back->get(Field::cwd).has_value());
    CHECK_FALSE(back->get_u64(Field::argv).has_value()); // not 8 bytes: not an integer
}

TEST_CASE("error replies carry code, errno and message") {
    Error e = sys_error("open /x", ENOENT);
    Message reply = Message::error_reply(7, e);
    auto back = Message::decode(bytes_of(reply.encode()), nullptr);
    REQUIRE(back);
    auto carried = back->error();
    REQUIRE(carried.has_value());
    CHECK(carried->code == Errc::not_found);
    CHECK(carried->sys_errno == ENOENT);
    CHECK(carried->message == e.message);
    CHECK_FALSE(Message(Op::reply, 1).error().has_value());
}

TEST_CASE("malformed frames are rejected, never read past the end") {
    std::string good = Message(Op::list, 1).add(Field::tag, "abc").encode();
    SUBCASE("truncated header") {
        CHECK(Message::decode(bytes_of(good.substr(0, 5)), nullptr).error().code == Errc::protocol);
    }
    SUBCASE("length that does not match") {
        CHECK_FALSE(Message::decode(bytes_of(good.substr(0, good.size() - 1)), nullptr));
    }
    SUBCASE("field that runs past the frame") {
        std::string bad = good;
        bad[kHeaderSize + 2] = 100; // field length 100, only 3 bytes follow
        CHECK(Message::decode(bytes_of(bad), nullptr).error().code == Errc::protocol);
    }
    SUBCASE("too many fds announced") {
        std::string bad = good;
        bad[6] = 100;
        CHECK_FALSE(Message::decode(bytes_of(bad), nullptr));
    }
    SUBCASE("every truncation of a frame fails cleanly") {
        for (std::size_t n = 0; n < good.size(); ++n)
            CHECK_FALSE(Message::decode(bytes_of(good.substr(0, n)), nullptr));
    }
}

TEST_CASE("an op this version does not know is a well-formed frame, left to the receiver") {
    std::string wire = Message(Op::list, 1).add(Field::tag, "abc").encode();
    wire[4] = 77; // op 77
    auto decoded = Message::decode(bytes_of(wire), nullptr);
    REQUIRE(decoded);
    CHECK(static_cast<std::uint16_t>(decoded->op()) == 77);
    CHECK_FALSE(known_op(77));
    CHECK(decoded->get(Field::tag) == "abc");
}

TEST_CASE("frames and their fds cross a socket in order, also when large and split") {
    SocketPair pair;
    ::fcntl(pair.b.get(), F_SETFL, O_NONBLOCK);
    int pipe_fds[2];
    REQUIRE(::pipe2(pipe_fds, O_CLOEXEC) == 0);
    UniqueFd pipe_read(pipe_fds[0]), pipe_write(pipe_fds[1]);
    std::string big(3 << 20, 'x'); // far larger than a socket buffer: many partial writes
    std::thread sender([&] {
        Message first(Op::spawn, 1);
        first.add(Field::env, big);
        REQUIRE(send_message(pair.a.get(), std::move(first)));
        Message second(Op::reply, 2);
        second.add_fd(UniqueFd(::dup(pipe_write.get())));
        second.add_fd(UniqueFd(::open("/dev/null", O_RDONLY | O_CLOEXEC)));
        REQUIRE(send_message(pair.a.get(), std::move(second)));
    });
    Reader reader;
    auto first = receive_message(pair.b.get(), reader, 10000);
    REQUIRE(first);
    CHECK(first->get(Field::env)->size() == big.size());
    CHECK(first->fds().empty());
    auto second = receive_message(pair.b.get(), reader, 10000);
    REQUIRE(second);
    REQUIRE(second->fds().size() == 2);
    // The passed fd is the same pipe: what we write through it comes out of our read end.
    REQUIRE(::write(second->fds()[0].get(), "ok", 2) == 2);
    char buf[2];
    REQUIRE(::read(pipe_read.get(), buf, 2) == 2);
    CHECK(std::string_view(buf, 2) == "ok");
    CHECK((::fcntl(second->fds()[1].get(), F_GETFD) & FD_CLOEXEC) != 0);
    sender.join();
}

TEST_CASE("a peer that closes mid-frame ends the stream with an error, not a hang") {
    SocketPair pair;
    std::string wire = Message(Op::list, 3).add(Field::tag, "abcdef").encode();
    REQUIRE(::write(pair.a.get(), wire.data(), wire.size() - 2) > 0);
    pair.a.reset();
    Reader reader;
    auto r = receive_message(pair.b.get(), reader, 2000);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::not_running);
}

TEST_CASE("a frame announcing fds that never came is a protocol error") {
    std::string wire = Message(Op::list, 3).encode();
    wire[6] = 1; // says one fd belongs to it
    SocketPair pair;
    REQUIRE(::write(pair.a.get(), wire.data(), wire.size()) == static_cast<ssize_t>(wire.size()));
    Reader reader;
    auto r = receive_message(pair.b.get(), reader, 2000);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::protocol);
}

TEST_CASE("op names and numbers come from the one op list") {
    CHECK(op_name(Op::hello) == "hello");
    CHECK(op_by_name("fs_remove") == Op::fs_remove);
    CHECK_FALSE(op_by_name("fs_copy").has_value());
    for (const OpInfo& info : kOps) {
        CHECK(known_op(static_cast<std::uint16_t>(info.op)));
        CHECK(op_by_name(info.name) == info.op);
    }
    CHECK_FALSE(known_op(0));
    CHECK_FALSE(known_op(12));
}

// The op table of docs/protocol.md ("## Ops") must be exactly the list in protocol/ops.hpp; a
// failure prints the row the document should have.
TEST_CASE("docs/protocol.md lists every op with its number, direction and summary, and no other") {
    std::ifstream doc(SOULBOX_SOURCE_DIR "/docs/protocol.md");
    REQUIRE_MESSAGE(doc, "cannot read " SOULBOX_SOURCE_DIR "/docs/protocol.md");
    std::map<std::string, std::string> rows; // op name -> its row
    bool in_table = false;
    for (std::string line; std::getline(doc, line);) {
        if (line.starts_with("#")) in_table = line == "## Ops";
        if (!in_table || !line.starts_with("| `")) continue;
        std::string name = line.substr(3, line.find('`', 3) - 3);
        CHECK_MESSAGE(rows.emplace(name, line).second, "op listed twice: " << name);
    }
    for (const OpInfo& info : kOps) {
        std::string expected =
            "| `" + std::string(info.name) + "` | " +
            std::to_string(static_cast<unsigned>(info.op)) + " | " +
            (info.direction == Direction::host_to_agent ? "host→agent" : "agent→host") + " | " +
            std::string(info.summary) + " |";
        auto row = rows.find(std::string(info.name));
        if (row == rows.end()) {
            FAIL_CHECK("docs/protocol.md has no row for an op; add: " << expected);
            continue;
        }
        CHECK_MESSAGE(row->second == expected,
                      "docs/protocol.md: " << row->second << "\nshould be: " << expected);
        rows.erase(row);
    }
    for (const auto& [name, row] : rows)
        FAIL_CHECK("docs/protocol.md names an op that does not exist: " << row);
}

TEST_CASE("json::quote escapes and replaces invalid UTF-8") {
    CHECK(json::quote("plain") == "\"plain\"");
    CHECK(json::quote("a\"b\\c\n\t\x01") == "\"a\\\"b\\\\c\\n\\t\\u0001\"");
    CHECK(json::quote("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80") ==
          "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
    CHECK(json::quote("\xff") == "\"\xef\xbf\xbd\"");
    CHECK(json::quote("\xc0\xaf") == "\"\xef\xbf\xbd\xef\xbf\xbd\""); // overlong '/'
    CHECK(json::quote("\xed\xa0\x80") == "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\""); // surrogate
    CHECK(json::quote(std::string("\0", 1)) == "\"\\u0000\"");
}
