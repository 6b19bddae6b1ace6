// File operations served by the agent, inside the sandbox (docs/protocol.md, ops fs_*).
//
// Paths are resolved here, in the sandbox's own mount namespace, with openat2
// RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS from the root (and an O_NOFOLLOW walk when openat2 is
// unavailable), so nothing a caller passes can reach a host file. Each operation runs with the
// file-system ids of the requested user (setfsuid/setfsgid), so permissions apply as they would
// to that user's own processes and new files belong to it. File contents never pass through
// the agent: fs_open_read and fs_open_write hand the host a descriptor.
//
// The operations can take long (removing a tree of a million files), so the agent runs them on
// its file worker thread (serial_worker.hpp), one at a time in the order they were asked: the
// service is only ever used from that thread and needs no lock. Watches live on the event loop
// (watch_service.hpp).
#pragma once

#include "agent/connection_id.hpp"
#include "agent/file_request.hpp"
#include "protocol/message.hpp"

#include <memory>

namespace soulbox::agent {

class FileService {
public:
    // Reads the agent's umask: construct before a second thread exists.
    explicit FileService(FileIdentity identity);
    ~FileService();
    FileService(const FileService&) = delete;
    FileService& operator=(const FileService&) = delete;

    // One call per op (docs/protocol.md, "File ops"). The reply's request id is the caller's.
    Result<protocol::Message> open_read(ConnectionId connection, const protocol::Message& request);
    Result<protocol::Message> open_write(ConnectionId connection, const protocol::Message& request);
    Result<protocol::Message> commit(ConnectionId connection, const protocol::Message& request);
    Result<protocol::Message> abort(ConnectionId connection, const protocol::Message& request);
    Result<protocol::Message> stat(ConnectionId connection, const protocol::Message& request);
    Result<protocol::Message> list(ConnectionId connection, const protocol::Message& request);
    Result<protocol::Message> remove(ConnectionId connection, const protocol::Message& request);
    Result<protocol::Message> rename(ConnectionId connection, const protocol::Message& request);
    Result<protocol::Message> make_dir(ConnectionId connection, const protocol::Message& request);
    // The connection closed: drop its uncommitted temporary files.
    void connection_closed(ConnectionId connection);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace soulbox::agent
