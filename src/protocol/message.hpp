// The control protocol between the host library and the in-sandbox agent (docs/protocol.md).
//
// A stream socket carries frames: a fixed 12-byte header (payload length, op, fd count, request
// id) followed by tag-length-value fields. File descriptors travel with SCM_RIGHTS; each frame
// says how many belong to it, and they are taken in order from the fds received so far (the
// kernel delivers a frame's fds no later than its first byte).
#pragma once

#include "core/unique_fd.hpp"
#include "protocol/ops.hpp"
#include "soulbox/error.hpp"

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace soulbox::protocol {

inline constexpr std::size_t kHeaderSize = 12;
inline constexpr std::size_t kMaxPayload = 16u << 20; // 16 MiB: far above any real request
inline constexpr std::size_t kMaxFds = 16;

enum class Field : std::uint16_t {
    error_code = 1, // u64 Errc
    error_errno = 2,
    error_message = 3,
    protocol_version = 4, // hello, both ways
    op_name = 5,          // repeated, in the hello reply: the ops the agent serves
    argv = 10,            // repeated
    env = 11,             // repeated "KEY=VALUE"
    cwd = 12,
    user = 13,
    tag = 14,
    timeout_ms = 15,
    open_stdin = 16,
    pid = 20,
    signal = 21,
    exit_code = 22,
    term_signal = 23,
    timed_out = 24,
    has_stdin = 25,
    process = 26, // nested fields of one process (list reply)
    deadline_ms = 30,
    hostname = 40,
    sandbox_uid = 41,
    sandbox_gid = 42,
    rootless = 43,
    disk_bytes = 44,
    sandbox_id = 45,
    nproc_limit = 46,
    pty_rows = 50,
    pty_cols = 51,
    is_pty = 52, // in spawn/attach replies: the only fd is the terminal's master side
    path = 60,
    new_path = 61,
    depth = 62,
    token = 63,
    entry = 64, // nested: name, path, file_type, size, mode, owner_name, group_name, mtime_ns,
                // symlink_target
    created = 65,
    recursive = 66,
    watch_id = 67,
    event_type = 68, // FilesystemEventType as u64
    name = 69,
    file_type = 70, // FileType as u64
    size = 71,
    mode = 72,
    owner_name = 73,
    group_name = 74,
    mtime_ns = 75,
    symlink_target = 76,
    // setup: the spec's mount list (src/spec/setup_mounts.hpp), one nested `mount` per op
    mount = 90,
    mount_kind = 91, // spec::MountKind as u64
    mount_target = 92,
    mount_source = 93,
    mount_content = 94,
    mount_flags = 95, // bit 0 optional, bit 1 read-only, bit 2 owned by the sandbox user
    // `mode` and `size` (the tmpfs size) are reused inside `mount`
};

// A decoded frame or one being built. Values are raw bytes; integers are little-endian u64.
class Message {
public:
    Message() = default;
    Message(Op op, std::uint32_t request_id) : op_(op), request_id_(request_id) {}

    Op op() const { return op_; }
    std::uint32_t request_id() const { return request_id_; }
    void set_request_id(std::uint32_t id) { request_id_ = id; }

    Message& add(Field field, std::string_view value);
    Message& add_u64(Field field, std::uint64_t value);
    Message& add_fd(UniqueFd fd);

    std::optional<std::string_view> get(Field field) const; // first occurrence
    std::optional<std::uint64_t> get_u64(Field field) const;
    std::vector<std::string_view> get_all(Field field) const;

    std::vector<UniqueFd>& fds() { return fds_; }
    const std::vector<UniqueFd>& fds() const { return fds_; }

    // Error replies carry code, errno and message.
    static Message error_reply(std::uint32_t request_id, const Error& error);
    // The Error carried by an error reply, if this is one.
    std::optional<Error> error() const;

    // Wire form without fds. Fields only (no header) for nesting inside another field.
    std::string encode() const;
    std::string encode_fields() const;
    static Result<Message> decode_fields(std::string_view bytes);

    // Parse one frame. `bytes` must hold exactly the frame; fds are attached by the Reader. An op
    // this version does not know (known_op()) is well-formed: the receiver decides what to do
    // with it, so a newer peer gets an error reply instead of a dropped connection.
    static Result<Message> decode(std::span<const std::byte> bytes, std::size_t* fd_count);

private:
    Op op_ = Op::reply;
    std::uint32_t request_id_ = 0;
    std::vector<std::pair<Field, std::string>> fields_;
    std::vector<UniqueFd> fds_;
};

// Outgoing frames for one socket, sent without blocking: queue(), then flush() whenever the
// socket is writable. A frame's fds go with its first byte.
class Writer {
public:
    Status queue(Message message);
    // Send as much as the socket takes. Returns true when the queue is empty.
    Result<bool> flush(int socket_fd);
    bool empty() const { return frames_.empty(); }

private:
    struct Frame {
        std::string bytes;
        std::vector<UniqueFd> fds; // cleared once sent
        std::size_t sent = 0;
    };
    std::deque<Frame> frames_;
};

// Send one frame with its fds, waiting (poll) while the socket is full.
Status send_message(int socket_fd, Message message);

// Incremental receiver for one socket: call read_some() when readable, then next() until empty.
class Reader {
public:
    // Receive what is available. Returns false at end of stream. A non-blocking socket with
    // nothing to read returns true.
    Result<bool> read_some(int socket_fd);
    // The next complete frame, an error for a malformed one (the stream is then unusable), or
    // nullopt when more bytes are needed.
    std::optional<Result<Message>> next();

private:
    std::vector<std::byte> buffer_;
    std::size_t consumed_ = 0;
    std::deque<UniqueFd> fds_;
};

// Blocking convenience: wait for the next frame (timeout_ms < 0 waits forever).
Result<Message> receive_message(int socket_fd, Reader& reader, int timeout_ms);

} // namespace soulbox::protocol
