// Fuzz the host-agent protocol parser: the agent and the host both decode frames that the other
// side (possibly a compromised sandbox) wrote. Drives Message::decode on the raw bytes and the
// incremental Reader over a socketpair, in chunk sizes taken from the input.
#include "protocol/message.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <sys/socket.h>
#include <unistd.h>

using namespace soulbox;

namespace {

[[noreturn]] void invariant_broken(const char* what) {
    __builtin_trap(); // libFuzzer reports the input; `what` is visible in the stack trace
    (void)what;
}

// Every decoded message must survive encode -> decode unchanged.
void check_round_trip(const protocol::Message& m) {
    std::string wire = m.encode();
    std::size_t fds = 0;
    auto again = protocol::Message::decode(
        std::span(reinterpret_cast<const std::byte*>(wire.data()), wire.size()), &fds);
    if (!again || again->op() != m.op() || again->request_id() != m.request_id() ||
        again->encode() != wire)
        invariant_broken("encode/decode round trip");
}

void decode_whole(const std::uint8_t* data, std::size_t size) {
    std::size_t fds = 0;
    auto m =
        protocol::Message::decode(std::span(reinterpret_cast<const std::byte*>(data), size), &fds);
    if (!m) return;
    if (fds > protocol::kMaxFds) invariant_broken("fd count above the limit");
    // Accessors over whatever fields arrived.
    for (auto field : {protocol::Field::argv, protocol::Field::path, protocol::Field::entry,
                       protocol::Field::error_code, protocol::Field::pid})
        (void)m->get_all(field), (void)m->get_u64(field), (void)m->get(field);
    (void)m->error();
    if (auto nested = m->get(protocol::Field::entry))
        (void)protocol::Message::decode_fields(*nested);
    check_round_trip(*m);
}

// The stream reader: feed the bytes in pieces and take frames until it wants more or fails.
void read_stream(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return;
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) != 0) abort();
    UniqueFd writer(sv[0]), reader_fd(sv[1]);
    std::size_t chunk = 1 + data[0] % 64; // the first byte picks the write size
    protocol::Reader reader;
    bool broken = false;
    for (std::size_t off = 1; off < size && !broken; off += chunk) {
        std::size_t n = std::min(chunk, size - off);
        if (::write(writer.get(), data + off, n) != static_cast<ssize_t>(n)) abort();
        auto more = reader.read_some(reader_fd.get());
        if (!more || !*more) invariant_broken("read_some on a live socket");
        while (auto next = reader.next()) {
            if (!*next) { // malformed: the stream is unusable from here
                broken = true;
                break;
            }
            check_round_trip(**next);
        }
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    decode_whole(data, size);
    read_stream(data, size);
    return 0;
}
