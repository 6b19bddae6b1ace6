#include "agent/file_watcher.hpp"

#include "agent/path_resolver.hpp"

#include <algorithm>
#include <cerrno>
#include <dirent.h>
#include <fcntl.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

namespace soulbox::agent {
namespace {

using protocol::Field;
using protocol::Message;
using protocol::Op;

// FilesystemEventType order.
constexpr std::uint64_t kCreate = 0, kWrite = 1, kRemove = 2, kRename = 3, kChmod = 4;

// IN_EXCL_UNLINK: no events from files that have no name, which covers the O_TMPFILE a write
// goes through (inotify would report its writes as "#<inode>") and files deleted while open.
constexpr std::uint32_t kMask = IN_CREATE | IN_MODIFY | IN_CLOSE_WRITE | IN_DELETE | IN_MOVED_FROM |
                                IN_MOVED_TO | IN_ATTRIB | IN_DELETE_SELF | IN_ONLYDIR |
                                IN_EXCL_UNLINK;
constexpr int kMaxDepth = 64;                   // recursive watches stop this deep
constexpr std::size_t kMaxPendingCommits = 256; // rename cookies awaiting their second half

std::string child_name(const std::string& prefix, const std::string& leaf) {
    return prefix.empty() ? leaf : prefix + "/" + leaf;
}

bool starts_with(std::string_view s, std::string_view p) {
    return s.substr(0, p.size()) == p;
}

} // namespace

FileWatcher::FileWatcher(int root_fd, EventSink sink)
    : root_fd_(root_fd), sink_(std::move(sink)),
      inotify_(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) {}

Status FileWatcher::watch_directory(std::uint64_t id, Watch& watch, int dir,
                                    const std::string& prefix, int depth) {
    // inotify_add_watch takes a path; the /proc/self/fd link names exactly the directory the
    // caller resolved safely, whatever happens to its path meanwhile.
    std::string link = "/proc/self/fd/" + std::to_string(dir);
    int wd = ::inotify_add_watch(inotify_.get(), link.c_str(), kMask);
    if (wd < 0) {
        int err = errno;
        if (err == ENOSPC)
            return std::unexpected(Error{Errc::not_enough_space, err,
                                         "watch '" + child_name(watch.path, prefix) +
                                             "': too many watched directories"});
        return std::unexpected(sys_error("watch '" + child_name(watch.path, prefix) + "'", err));
    }
    auto& subs = by_wd_[wd];
    bool known = false;
    for (const auto& sub : subs)
        known = known || (sub.watch_id == id && sub.prefix == prefix);
    if (!known) subs.push_back({id, prefix});
    if (!watch.recursive || depth >= kMaxDepth) return {};
    UniqueFd listing(::openat(dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    DIR* d = listing ? ::fdopendir(listing.get()) : nullptr;
    if (!d) return {}; // unreadable: watched, but its subdirectories are not
    listing.release();
    Status status;
    while (dirent* e = ::readdir(d)) {
        std::string name = e->d_name;
        if (name == "." || name == "..") continue;
        UniqueFd sub(
            ::openat(::dirfd(d), name.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!sub) continue; // not a directory, or a symlink: never followed
        status = watch_directory(id, watch, sub.get(), child_name(prefix, name), depth + 1);
        if (!status) break;
    }
    ::closedir(d);
    return status;
}

Result<std::uint64_t> FileWatcher::add(ConnectionId connection, std::string path, int dir,
                                       bool recursive, FsIds ids) {
    if (!inotify_) return std::unexpected(make_error(Errc::unsupported, "inotify unavailable"));
    std::uint64_t id = next_id_++;
    Watch& watch = watches_[id];
    watch.connection = connection;
    watch.path = std::move(path);
    watch.recursive = recursive;
    watch.ids = ids;
    if (auto s = watch_directory(id, watch, dir, "", 0); !s) {
        drop_subscriptions(id);
        watches_.erase(id);
        return std::unexpected(s.error());
    }
    return id;
}

void FileWatcher::drop_subscriptions(std::uint64_t id) {
    for (auto it = by_wd_.begin(); it != by_wd_.end();) {
        std::erase_if(it->second, [&](const Subscription& s) { return s.watch_id == id; });
        if (it->second.empty()) {
            ::inotify_rm_watch(inotify_.get(), it->first);
            it = by_wd_.erase(it);
        } else {
            ++it;
        }
    }
}

Status FileWatcher::remove(ConnectionId connection, std::uint64_t watch_id) {
    auto it = watches_.find(watch_id);
    if (it == watches_.end() || it->second.connection != connection)
        return std::unexpected(make_error(Errc::not_found, "no watch " + std::to_string(watch_id) +
                                                               " on this connection"));
    drop_subscriptions(watch_id);
    watches_.erase(it);
    return {};
}

void FileWatcher::connection_closed(ConnectionId connection) {
    for (auto it = watches_.begin(); it != watches_.end();) {
        if (it->second.connection == connection) {
            drop_subscriptions(it->first);
            it = watches_.erase(it);
        } else {
            ++it;
        }
    }
}

void FileWatcher::watch_new_subdirectory(std::uint64_t id, Watch& watch,
                                         const std::string& prefix) {
    FsIdentityScope as_user(watch.ids);
    auto dir = open_in_root(root_fd_, child_name(watch.path, prefix), O_PATH | O_DIRECTORY,
                            {.use_openat2 = true, .follow_final = false});
    if (!dir) return; // gone again, or not reachable as the watch's user
    int depth = 1 + static_cast<int>(std::count(prefix.begin(), prefix.end(), '/'));
    (void)watch_directory(id, watch, dir->get(), prefix, depth);
}

void FileWatcher::forget_subdirectory(std::uint64_t id, const std::string& prefix) {
    for (auto it = by_wd_.begin(); it != by_wd_.end();) {
        std::erase_if(it->second, [&](const Subscription& s) {
            return s.watch_id == id && (s.prefix == prefix || starts_with(s.prefix, prefix + "/"));
        });
        if (it->second.empty()) {
            ::inotify_rm_watch(inotify_.get(), it->first);
            it = by_wd_.erase(it);
        } else {
            ++it;
        }
    }
}

// A directory moved within the tree keeps its inotify watches; only its name changes. Events
// already queued on those watches come after the move, so they get the new name.
void FileWatcher::rename_subdirectory(std::uint64_t id, const std::string& from,
                                      const std::string& to) {
    for (auto& [wd, subs] : by_wd_)
        for (auto& sub : subs) {
            if (sub.watch_id != id) continue;
            if (sub.prefix == from)
                sub.prefix = to;
            else if (starts_with(sub.prefix, from + "/"))
                sub.prefix = to + sub.prefix.substr(from.size());
        }
}

void FileWatcher::emit(std::uint64_t id, const Watch& watch, const std::string& name,
                       std::uint64_t type) {
    Message event(Op::fs_event, 0);
    event.add_u64(Field::watch_id, id);
    event.add(Field::name, name);
    event.add_u64(Field::event_type, type);
    sink_(watch.connection, std::move(event));
}

void FileWatcher::dispatch(int wd, std::uint32_t mask, std::uint32_t cookie,
                           const std::string& leaf) {
    auto found = by_wd_.find(wd);
    if (found == by_wd_.end()) return;
    if (mask & IN_IGNORED) {
        // The directory is gone (or unwatched): the kernel dropped wd.
        by_wd_.erase(found);
        return;
    }
    // Events on a watched directory itself (chmod of it) are reported by its parent's watch.
    if (leaf.empty() && !(mask & IN_DELETE_SELF)) return;
    bool is_dir = mask & IN_ISDIR;
    bool internal = starts_with(leaf, kCommitPrefix);
    // Copy: emitting may not change by_wd_, but adding subdirectory watches does.
    std::vector<Subscription> subs = found->second;
    for (const auto& sub : subs) {
        auto w = watches_.find(sub.watch_id);
        if (w == watches_.end()) continue;
        Watch& watch = w->second;
        std::string name = child_name(sub.prefix, leaf);
        if (mask & IN_DELETE_SELF) {
            // Only the watched directory itself; a subdirectory's removal was reported by its
            // parent's IN_DELETE.
            if (sub.prefix.empty()) emit(sub.watch_id, watch, "", kRemove);
            continue;
        }
        if (internal) {
            // fs_commit: link under a hidden name, then rename over the target. The rename's
            // second half (IN_MOVED_TO of the target) becomes CREATE+WRITE or WRITE.
            if (mask & IN_MOVED_FROM) {
                if (watch.commits.size() >= kMaxPendingCommits) watch.commits.clear();
                watch.commits[cookie] = leaf.ends_with("-new");
            }
            continue;
        }
        if (mask & IN_CREATE) {
            emit(sub.watch_id, watch, name, kCreate);
            if (is_dir && watch.recursive) watch_new_subdirectory(sub.watch_id, watch, name);
        }
        if (mask & IN_MODIFY) {
            // One WRITE per writing session: the first modification after open (or after the
            // last close), not one per write() call.
            if (watch.writing.insert(name).second) emit(sub.watch_id, watch, name, kWrite);
        }
        if (mask & IN_ATTRIB) emit(sub.watch_id, watch, name, kChmod);
        if (mask & IN_CLOSE_WRITE) {
            // Opened for writing and closed without a modification reported: still a WRITE
            // (`touch`, `: > file` on an empty file).
            if (watch.writing.erase(name) == 0) emit(sub.watch_id, watch, name, kWrite);
        }
        if (mask & IN_MOVED_FROM) {
            watch.writing.erase(name);
            emit(sub.watch_id, watch, name, kRename);
            // Decided when the IN_MOVED_TO arrives (or does not: moved out of the tree).
            if (is_dir && watch.recursive) watch.moved_dirs[cookie] = name;
        }
        if (mask & IN_MOVED_TO) {
            auto commit = watch.commits.find(cookie);
            if (commit != watch.commits.end()) {
                if (commit->second) emit(sub.watch_id, watch, name, kCreate);
                emit(sub.watch_id, watch, name, kWrite);
                watch.commits.erase(commit);
            } else {
                emit(sub.watch_id, watch, name, kRename);
                auto moved = watch.moved_dirs.find(cookie);
                if (moved != watch.moved_dirs.end()) {
                    rename_subdirectory(sub.watch_id, moved->second, name);
                    watch.moved_dirs.erase(moved);
                } else if (is_dir && watch.recursive) {
                    watch_new_subdirectory(sub.watch_id, watch, name);
                }
            }
        }
        if (mask & IN_DELETE) {
            watch.writing.erase(name);
            emit(sub.watch_id, watch, name, kRemove);
        }
    }
}

void FileWatcher::on_readable() {
    alignas(inotify_event) char buf[64 * 1024];
    for (;;) {
        ssize_t n = ::read(inotify_.get(), buf, sizeof buf);
        if (n <= 0) break; // EAGAIN: drained
        for (ssize_t off = 0; off < n;) {
            auto* ev = reinterpret_cast<inotify_event*>(buf + off);
            off += static_cast<ssize_t>(sizeof(inotify_event) + ev->len);
            std::string leaf = ev->len ? std::string(ev->name) : std::string();
            // A rename's two halves are queued next to each other: any other event after a
            // directory's IN_MOVED_FROM means it left the tree, and events from inside it
            // (queued right after the move) must not be reported under its old name.
            if (!(ev->mask & IN_MOVED_TO)) forget_moved_away();
            dispatch(ev->wd, ev->mask, ev->cookie, leaf);
        }
    }
    forget_moved_away();
}

void FileWatcher::forget_moved_away() {
    for (auto& [id, watch] : watches_) {
        for (const auto& [cookie, prefix] : watch.moved_dirs)
            forget_subdirectory(id, prefix);
        watch.moved_dirs.clear();
    }
}

} // namespace soulbox::agent
