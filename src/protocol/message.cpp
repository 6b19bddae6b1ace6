#include "protocol/message.hpp"

#include <cerrno>
#include <cstring>
#include <poll.h>
#include <sys/socket.h>

namespace soulbox::protocol {
namespace {

void put_u16(std::string& out, std::uint16_t v) {
    out.push_back(static_cast<char>(v & 0xff));
    out.push_back(static_cast<char>(v >> 8));
}
void put_u32(std::string& out, std::uint32_t v) {
    for (int i = 0; i < 4; ++i)
        out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
std::uint16_t get_u16(const unsigned char* p) {
    return static_cast<std::uint16_t>(p[0] | p[1] << 8);
}
std::uint32_t get_u32(const unsigned char* p) {
    return std::uint32_t(p[0]) | std::uint32_t(p[1]) << 8 | std::uint32_t(p[2]) << 16 |
           std::uint32_t(p[3]) << 24;
}

} // namespace

Message& Message::add(Field field, std::string_view value) {
    fields_.emplace_back(field, std::string(value));
    return *this;
}

Message& Message::add_u64(Field field, std::uint64_t value) {
    std::string bytes(8, '\0');
    for (int i = 0; i < 8; ++i)
        bytes[i] = static_cast<char>((value >> (8 * i)) & 0xff);
    fields_.emplace_back(field, std::move(bytes));
    return *this;
}

Message& Message::add_fd(UniqueFd fd) {
    fds_.push_back(std::move(fd));
    return *this;
}

std::optional<std::string_view> Message::get(Field field) const {
    for (const auto& [f, v] : fields_)
        if (f == field) return std::string_view(v);
    return std::nullopt;
}

std::optional<std::uint64_t> Message::get_u64(Field field) const {
    auto raw = get(field);
    if (!raw || raw->size() != 8) return std::nullopt;
    std::uint64_t value = 0;
    for (int i = 7; i >= 0; --i)
        value = value << 8 | static_cast<unsigned char>((*raw)[i]);
    return value;
}

std::vector<std::string_view> Message::get_all(Field field) const {
    std::vector<std::string_view> out;
    for (const auto& [f, v] : fields_)
        if (f == field) out.emplace_back(v);
    return out;
}

Message Message::error_reply(std::uint32_t request_id, const Error& error) {
    Message m(Op::reply, request_id);
    m.add_u64(Field::error_code, static_cast<std::uint64_t>(error.code));
    m.add_u64(Field::error_errno, static_cast<std::uint64_t>(error.sys_errno));
    m.add(Field::error_message, error.message);
    return m;
}

std::optional<Error> Message::error() const {
    auto code = get_u64(Field::error_code);
    if (!code) return std::nullopt;
    Error e;
    e.code = *code <= static_cast<std::uint64_t>(Errc::is_a_directory) ? static_cast<Errc>(*code)
                                                                       : Errc::internal;
    e.sys_errno = static_cast<int>(get_u64(Field::error_errno).value_or(0));
    e.message = std::string(get(Field::error_message).value_or("agent error"));
    return e;
}

std::string Message::encode_fields() const {
    std::string out;
    for (const auto& [f, v] : fields_) {
        put_u16(out, static_cast<std::uint16_t>(f));
        put_u32(out, static_cast<std::uint32_t>(v.size()));
        out.append(v);
    }
    return out;
}

std::string Message::encode() const {
    std::string payload = encode_fields();
    std::string out;
    out.reserve(kHeaderSize + payload.size());
    put_u32(out, static_cast<std::uint32_t>(payload.size()));
    put_u16(out, static_cast<std::uint16_t>(op_));
    put_u16(out, static_cast<std::uint16_t>(fds_.size()));
    put_u32(out, request_id_);
    out.append(payload);
    return out;
}

Result<Message> Message::decode_fields(std::string_view bytes) {
    Message m;
    auto p = reinterpret_cast<const unsigned char*>(bytes.data());
    std::size_t left = bytes.size();
    while (left > 0) {
        if (left < 6) return std::unexpected(make_error(Errc::protocol, "truncated field header"));
        std::uint16_t tag = get_u16(p);
        std::uint32_t len = get_u32(p + 2);
        p += 6;
        left -= 6;
        if (len > left) return std::unexpected(make_error(Errc::protocol, "field runs past frame"));
        m.fields_.emplace_back(static_cast<Field>(tag),
                               std::string(reinterpret_cast<const char*>(p), len));
        p += len;
        left -= len;
    }
    return m;
}

Result<Message> Message::decode(std::span<const std::byte> bytes, std::size_t* fd_count) {
    if (bytes.size() < kHeaderSize)
        return std::unexpected(make_error(Errc::protocol, "truncated frame header"));
    auto p = reinterpret_cast<const unsigned char*>(bytes.data());
    std::uint32_t len = get_u32(p);
    std::uint16_t op = get_u16(p + 4);
    std::uint16_t nfds = get_u16(p + 6);
    if (len != bytes.size() - kHeaderSize)
        return std::unexpected(make_error(Errc::protocol, "frame length mismatch"));
    if (nfds > kMaxFds) return std::unexpected(make_error(Errc::protocol, "too many fds"));
    auto fields =
        decode_fields(std::string_view(reinterpret_cast<const char*>(p + kHeaderSize), len));
    if (!fields) return std::unexpected(fields.error());
    fields->op_ = static_cast<Op>(op);
    fields->request_id_ = get_u32(p + 8);
    if (fd_count) *fd_count = nfds;
    return std::move(*fields);
}

static Status wait_fd(int fd, short events, int timeout_ms) {
    pollfd pfd{fd, events, 0};
    for (;;) {
        int n = ::poll(&pfd, 1, timeout_ms);
        if (n > 0) return {};
        if (n == 0)
            return std::unexpected(make_error(Errc::timeout, "timed out waiting for agent"));
        if (errno != EINTR) return std::unexpected(sys_error("poll"));
    }
}

Status Writer::queue(Message message) {
    if (message.fds().size() > kMaxFds)
        return std::unexpected(make_error(Errc::invalid_argument, "too many fds in one frame"));
    Frame frame{message.encode(), std::move(message.fds()), 0};
    if (frame.bytes.size() - kHeaderSize > kMaxPayload)
        return std::unexpected(make_error(Errc::invalid_argument, "message exceeds 16 MiB"));
    frames_.push_back(std::move(frame));
    return {};
}

Result<bool> Writer::flush(int socket_fd) {
    while (!frames_.empty()) {
        Frame& frame = frames_.front();
        iovec iov{frame.bytes.data() + frame.sent, frame.bytes.size() - frame.sent};
        msghdr msg{};
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxFds)];
        if (!frame.fds.empty()) {
            msg.msg_control = control;
            msg.msg_controllen = CMSG_SPACE(sizeof(int) * frame.fds.size());
            cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
            cmsg->cmsg_level = SOL_SOCKET;
            cmsg->cmsg_type = SCM_RIGHTS;
            cmsg->cmsg_len = CMSG_LEN(sizeof(int) * frame.fds.size());
            int* out = reinterpret_cast<int*>(CMSG_DATA(cmsg));
            for (std::size_t i = 0; i < frame.fds.size(); ++i)
                out[i] = frame.fds[i].get();
        }
        ssize_t n = ::sendmsg(socket_fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN) return false;
            if (errno == EPIPE || errno == ECONNRESET)
                return std::unexpected(Error{Errc::not_running, errno, "connection closed"});
            return std::unexpected(sys_error("sendmsg"));
        }
        frame.fds.clear(); // the kernel holds its own references now
        frame.sent += static_cast<std::size_t>(n);
        if (frame.sent == frame.bytes.size()) frames_.pop_front();
    }
    return true;
}

Status send_message(int socket_fd, Message message) {
    Writer writer;
    if (auto q = writer.queue(std::move(message)); !q) return q;
    for (;;) {
        auto done = writer.flush(socket_fd);
        if (!done) return std::unexpected(done.error());
        if (*done) return {};
        if (auto w = wait_fd(socket_fd, POLLOUT, -1); !w) return w;
    }
}

Result<bool> Reader::read_some(int socket_fd) {
    if (consumed_ > 0) { // drop frames already handed out, keep a partial one
        buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(consumed_));
        consumed_ = 0;
    }
    std::size_t old = buffer_.size();
    buffer_.resize(old + 64 * 1024);
    iovec iov{buffer_.data() + old, 64 * 1024};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxFds * 4)];
    msg.msg_control = control;
    msg.msg_controllen = sizeof(control);
    ssize_t n;
    do {
        n = ::recvmsg(socket_fd, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        buffer_.resize(old);
        if (errno == EAGAIN) return true;
        if (errno == ECONNRESET) return false;
        return std::unexpected(sys_error("recvmsg"));
    }
    buffer_.resize(old + static_cast<std::size_t>(n));
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
        std::size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        const int* in = reinterpret_cast<const int*>(CMSG_DATA(c));
        for (std::size_t i = 0; i < count; ++i)
            fds_.emplace_back(in[i]);
    }
    if (msg.msg_flags & MSG_CTRUNC)
        return std::unexpected(make_error(Errc::protocol, "file descriptors were truncated"));
    return n > 0;
}

std::optional<Result<Message>> Reader::next() {
    std::size_t avail = buffer_.size() - consumed_;
    if (avail < kHeaderSize) return std::nullopt;
    auto p = reinterpret_cast<const unsigned char*>(buffer_.data() + consumed_);
    std::uint32_t len = get_u32(p);
    if (len > kMaxPayload)
        return Result<Message>(std::unexpected(make_error(Errc::protocol, "frame too large")));
    if (avail < kHeaderSize + len) return std::nullopt;
    std::size_t nfds = 0;
    auto message = Message::decode(
        std::span<const std::byte>(buffer_.data() + consumed_, kHeaderSize + len), &nfds);
    consumed_ += kHeaderSize + len;
    if (!message) return Result<Message>(std::unexpected(message.error()));
    if (nfds > fds_.size())
        return Result<Message>(
            std::unexpected(make_error(Errc::protocol, "frame announces fds that did not arrive")));
    for (std::size_t i = 0; i < nfds; ++i) {
        message->add_fd(std::move(fds_.front()));
        fds_.pop_front();
    }
    return message;
}

Result<Message> receive_message(int socket_fd, Reader& reader, int timeout_ms) {
    for (;;) {
        if (auto next = reader.next()) return std::move(*next);
        if (auto w = wait_fd(socket_fd, POLLIN, timeout_ms); !w) return std::unexpected(w.error());
        auto more = reader.read_some(socket_fd);
        if (!more) return std::unexpected(more.error());
        if (!*more)
            return std::unexpected(make_error(Errc::not_running, "agent connection closed"));
    }
}

} // namespace soulbox::protocol
