// The fs_watch and fs_unwatch ops. Watches stay on the agent's event loop: adding one is quick,
// and its inotify descriptor is read there.
#pragma once

#include "agent/connection_id.hpp"
#include "agent/file_request.hpp"
#include "agent/file_watcher.hpp"

namespace soulbox::agent {

class WatchService {
public:
    WatchService(FileIdentity identity, FileWatcher::EventSink send_event);

    // The inotify descriptor, for the server's epoll set, and what to do when it is readable.
    int fd() const { return watcher_.fd(); }
    void on_readable() { watcher_.on_readable(); }

    Result<protocol::Message> watch(ConnectionId connection, const protocol::Message& request);
    Result<protocol::Message> unwatch(ConnectionId connection, const protocol::Message& request);
    void connection_closed(ConnectionId connection) { watcher_.connection_closed(connection); }

private:
    FileIdentity identity_;
    UniqueFd root_;
    FileWatcher watcher_;
};

} // namespace soulbox::agent
