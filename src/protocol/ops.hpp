// The ops of the control protocol: one list, from which the Op enum, known_op(), the op names
// (hello replies carry names) and the op table of docs/protocol.md follow. The unit tests check
// that table against this list, row by row.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <string_view>

namespace soulbox::protocol {

// The protocol this library and its agent speak. 0 names agents from before `hello`.
inline constexpr std::uint32_t kProtocolVersion = 1;
// The oldest agent protocol this library can drive.
inline constexpr std::uint32_t kOldestAgentProtocolVersion = 1;

enum class Direction : std::uint8_t { host_to_agent, agent_to_host };

// X(name, number, direction, summary). Numbers are the wire identity: never reuse one.
// clang-format off
#define SOULBOX_PROTOCOL_OPS(X)                                                                    \
    X(setup, 1, host_to_agent, "first frame on the bootstrap socket: the sandbox's settings")     \
    X(spawn, 2, host_to_agent, "start a process; the reply passes its pipes or terminal")         \
    X(signal, 3, host_to_agent, "send a signal to a process's group (SIGKILL: its whole tree)")   \
    X(close_stdin, 4, host_to_agent, "close the agent's copy of a process's stdin writer")        \
    X(list, 5, host_to_agent, "the running processes the agent started")                          \
    X(attach, 6, host_to_agent, "take over a process's output and exit event")                    \
    X(detach, 7, host_to_agent, "let go of a process; the agent drains its output")               \
    X(set_timeout, 8, host_to_agent, "move the sandbox's deadline")                               \
    X(stdin_fd, 9, host_to_agent, "a new copy of a process's stdin writer or terminal")           \
    X(resize, 10, host_to_agent, "set the size of a process's terminal")                          \
    X(hello, 11, host_to_agent, "exchange protocol versions; the agent lists the ops it serves")  \
    X(fs_open_read, 20, host_to_agent, "open a regular file for reading; the reply passes it")    \
    X(fs_open_write, 21, host_to_agent, "an unnamed temporary file for a file's new content")     \
    X(fs_commit, 22, host_to_agent, "link a written temporary file over its target atomically")   \
    X(fs_abort, 23, host_to_agent, "drop a written temporary file")                               \
    X(fs_stat, 24, host_to_agent, "describe one file (a final symlink is not followed)")          \
    X(fs_list, 25, host_to_agent, "the entries below a directory, to a depth")                    \
    X(fs_remove, 26, host_to_agent, "remove a file, or a directory with everything below it")     \
    X(fs_rename, 27, host_to_agent, "rename a file or directory")                                 \
    X(fs_mkdir, 28, host_to_agent, "create a directory and its missing parents")                  \
    X(fs_watch, 29, host_to_agent, "watch a directory; events follow as fs_event")                \
    X(fs_unwatch, 30, host_to_agent, "stop a watch")                                              \
    X(reply, 100, agent_to_host, "the answer to the request with the same id")                    \
    X(exit_event, 101, agent_to_host, "a process the connection follows has exited")              \
    X(ready, 102, agent_to_host, "setup is done (the answer to setup)")                           \
    X(fs_event, 103, agent_to_host, "a change in a watched directory")
// clang-format on

enum class Op : std::uint16_t {
#define SOULBOX_OP_ENUM(name, number, direction, summary) name = number,
    SOULBOX_PROTOCOL_OPS(SOULBOX_OP_ENUM)
#undef SOULBOX_OP_ENUM
};

struct OpInfo {
    Op op;
    std::string_view name;
    Direction direction;
    std::string_view summary;
};

inline constexpr OpInfo kOps[] = {
#define SOULBOX_OP_INFO(name, number, direction, summary)                                          \
    {Op::name, #name, Direction::direction, summary},
    SOULBOX_PROTOCOL_OPS(SOULBOX_OP_INFO)
#undef SOULBOX_OP_INFO
};

// Two ops with one number would both compile into the enum; this refuses it.
consteval bool op_numbers_are_unique() {
    for (std::size_t i = 0; i < std::size(kOps); ++i)
        for (std::size_t j = i + 1; j < std::size(kOps); ++j)
            if (kOps[i].op == kOps[j].op) return false;
    return true;
}
static_assert(op_numbers_are_unique(), "two protocol ops share a number");

constexpr const OpInfo* find_op(Op op) {
    auto it = std::ranges::find(kOps, op, &OpInfo::op);
    return it == std::end(kOps) ? nullptr : it;
}

// Whether `number` is an op of this protocol version.
constexpr bool known_op(std::uint16_t number) {
    return find_op(static_cast<Op>(number)) != nullptr;
}

constexpr std::string_view op_name(Op op) {
    const OpInfo* info = find_op(op);
    return info ? info->name : std::string_view("unknown");
}

// The op called `name`, if this protocol version has one (a newer agent may list more).
constexpr std::optional<Op> op_by_name(std::string_view name) {
    auto it = std::ranges::find(kOps, name, &OpInfo::name);
    if (it == std::end(kOps)) return std::nullopt;
    return it->op;
}

} // namespace soulbox::protocol
