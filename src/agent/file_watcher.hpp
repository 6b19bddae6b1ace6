// Directory watches (fs_watch): inotify events turned into fs_event frames for the connection
// that asked. Event mapping and the exact sequences are in docs/protocol.md ("Watch events").
#pragma once

#include "agent/connection_id.hpp"
#include "agent/fs_identity.hpp"
#include "core/unique_fd.hpp"
#include "protocol/message.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace soulbox::agent {

// Names the agent gives a written file between linking and renaming it over its target
// (fs_commit). Watchers never see them: the rename shows as events on the target.
inline constexpr std::string_view kCommitPrefix = ".soulbox-write-";

class FileWatcher {
public:
    using EventSink = std::function<void(ConnectionId connection, protocol::Message event)>;

    // root_fd: the sandbox root, for resolving subdirectories that appear later.
    FileWatcher(int root_fd, EventSink sink);
    int fd() const { return inotify_.get(); }

    // Watch the directory at `path` (absolute, normalized; `dir` is its O_PATH fd, resolved by
    // the caller as `ids`). Recursive watches cover existing and future subdirectories.
    Result<std::uint64_t> add(ConnectionId connection, std::string path, int dir, bool recursive,
                              FsIds ids);
    Status remove(ConnectionId connection, std::uint64_t watch_id);
    void connection_closed(ConnectionId connection);
    void on_readable();

private:
    struct Subscription {
        std::uint64_t watch_id;
        std::string prefix; // directory relative to the watched one, "" for itself
    };
    struct Watch {
        ConnectionId connection = kNoConnection;
        std::string path;
        bool recursive = false;
        FsIds ids;
        std::set<std::string> writing;         // modified since their last close-write
        std::map<std::uint32_t, bool> commits; // rename cookie -> the commit created the file
        std::map<std::uint32_t, std::string> moved_dirs; // rename cookie -> old subdirectory
    };

    Status watch_directory(std::uint64_t id, Watch& watch, int dir, const std::string& prefix,
                           int depth);
    void watch_new_subdirectory(std::uint64_t id, Watch& watch, const std::string& prefix);
    void forget_subdirectory(std::uint64_t id, const std::string& prefix);
    void rename_subdirectory(std::uint64_t id, const std::string& from, const std::string& to);
    void drop_subscriptions(std::uint64_t id);
    void dispatch(int wd, std::uint32_t mask, std::uint32_t cookie, const std::string& leaf);
    // Directories whose IN_MOVED_FROM was not followed by its IN_MOVED_TO left the tree.
    void forget_moved_away();
    void emit(std::uint64_t id, const Watch& watch, const std::string& name, std::uint64_t type);

    int root_fd_;
    EventSink sink_;
    UniqueFd inotify_;
    std::uint64_t next_id_ = 1;
    std::map<std::uint64_t, Watch> watches_;
    std::map<int, std::vector<Subscription>> by_wd_;
};

} // namespace soulbox::agent
