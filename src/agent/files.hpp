// File operations served by the agent, inside the sandbox (docs/protocol.md, ops fs_*).
//
// Paths are resolved here, in the sandbox's own mount namespace, with openat2
// RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS from the root (and an O_NOFOLLOW walk when openat2 is
// unavailable), so nothing a caller passes can reach a host file. Each operation runs with the
// file-system ids of the requested user (setfsuid/setfsgid), so permissions apply as they would
// to that user's own processes and new files belong to it. File contents never pass through
// the agent: fs_open_read and fs_open_write hand the host a descriptor.
#pragma once

#include "protocol/message.hpp"

#include <functional>
#include <memory>
#include <sys/types.h>

namespace soulbox::agent {

struct FileIdentity {
    uid_t user_uid = 1000; // the sandbox user; root is uid 0 (absent when rootless)
    gid_t user_gid = 1000;
    bool rootless = false;
};

class FileService {
public:
    // Sends an fs_event frame to the connection that owns the watch.
    using EventSink = std::function<void(int connection, protocol::Message event)>;

    FileService(FileIdentity identity, EventSink send_event);
    ~FileService();
    FileService(const FileService&) = delete;
    FileService& operator=(const FileService&) = delete;

    // The inotify descriptor, for the server's epoll set.
    int watch_fd() const;
    // Handle one fs_* request from `connection` and return its reply.
    protocol::Message handle(int connection, const protocol::Message& request);
    // watch_fd() is readable: turn inotify events into fs_event frames.
    void on_watch_readable();
    // The connection closed: drop its uncommitted temporary files and its watches.
    void connection_closed(int connection);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace soulbox::agent
