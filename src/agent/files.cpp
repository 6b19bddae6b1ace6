// The agent side of the file API: every path is resolved inside the sandbox root
// (path_resolver), every operation runs with the requested user's file-system ids
// (fs_identity), and file contents only ever move through descriptors handed to the host.
#include "agent/files.hpp"

#include "agent/file_entry.hpp"
#include "agent/file_watcher.hpp"
#include "agent/path_resolver.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <map>
#include <sys/stat.h>
#include <unistd.h>

namespace soulbox::agent {
namespace {

using protocol::Field;
using protocol::Message;
using protocol::Op;

constexpr int kMaxFinalSymlinks = 40;
constexpr std::size_t kMaxListingBytes = 12u << 20; // stays under the 16 MiB frame limit

constexpr mode_t kDirectoryMode = 0755;
constexpr mode_t kFileMode = 0644;

// The umask, read without a window in which it is changed. The umask is shared by every thread
// of the agent and inherited by the processes it forks on its loop thread, so the file worker
// never changes it: it sets exact modes afterwards where the umask took bits away.
mode_t read_umask() {
    mode_t mask = ::umask(0);
    ::umask(mask);
    return mask;
}

// A path split into the directory holding it (opened O_PATH) and its last component. The root
// itself has leaf "" and parent = the root.
struct Located {
    UniqueFd parent;
    std::string leaf;
    std::string path; // absolute, normalized
};

// An fs_open_write whose data the host is writing; fs_commit or fs_abort ends it.
struct PendingWrite {
    ConnectionId connection = kNoConnection;
    std::string requested_path; // as normalized from the request, checked again at commit
    Located target;             // where the file goes (final symlinks already followed)
    UniqueFd file;              // the O_TMPFILE, unnamed until commit
    FsIds ids;
};

} // namespace

struct FileService::Impl {
    FileIdentity identity;
    UniqueFd root;
    mode_t umask = read_umask();
    std::map<std::string, PendingWrite> writes;
    std::uint64_t next_token = 1;

    explicit Impl(FileIdentity id)
        : identity(id), root(::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC)) {}

    template <class Op> Result<Message> as_user(const Message& request, Op&& op) {
        return agent::as_user(identity, root.get(), request, std::forward<Op>(op));
    }

    Result<UniqueFd> open(std::string_view path, int flags, bool follow_final = true) {
        return open_in_root(root.get(), path, flags,
                            {.use_openat2 = true, .follow_final = follow_final});
    }
    Result<UniqueFd> open_dir(std::string_view path) { return open(path, O_PATH | O_DIRECTORY); }
    Result<UniqueFd> make_parents(const std::vector<std::string>& parts, std::size_t count);
    Result<Located> locate(const std::string& path, bool create_parents);
    Result<std::string> follow_final_symlinks(std::string path);

    Result<Message> open_read(const std::string& path);
    Status make_directory(int parent, const std::string& leaf, std::string_view path);
    Result<Message> open_write(ConnectionId connection, const std::string& path, FsIds ids);
    Result<Message> commit(ConnectionId connection, const Message& request,
                           const std::string& path);
    Result<Message> stat(const std::string& path);
    Result<Message> list(const std::string& path, std::int64_t depth);
    Result<Message> remove(const std::string& path);
    Result<Message> rename(const std::string& from, const std::string& to);
    Result<Message> make_dir(const std::string& path);
    Status remove_tree(int parent, const std::string& name, const std::string& path);
    Status collect(int dir, const std::string& path, std::int64_t depth, const IdNames& names,
                   std::vector<std::pair<std::string, std::string>>& out, std::size_t& bytes);
};

// mkdir -p: each missing directory is created as the current fs user, 0755.
Result<UniqueFd> FileService::Impl::make_parents(const std::vector<std::string>& parts,
                                                 std::size_t count) {
    auto whole = open_dir(join_path(parts, count));
    if (whole || whole.error().sys_errno != ENOENT) return whole;
    UniqueFd dir;
    for (std::size_t i = 0; i < count; ++i) {
        auto next = open_dir(join_path(parts, i + 1));
        if (!next && next.error().sys_errno == ENOENT) {
            auto up = open_dir(join_path(parts, i));
            if (!up) return up;
            if (auto s = make_directory(up->get(), parts[i], join_path(parts, i + 1));
                !s && s.error().sys_errno != EEXIST)
                return std::unexpected(s.error());
            next = open_dir(join_path(parts, i + 1));
        }
        if (!next) return next;
        dir = std::move(*next);
    }
    return dir;
}

// mkdir with exactly kDirectoryMode, owned by the current fs user.
Status FileService::Impl::make_directory(int parent, const std::string& leaf,
                                         std::string_view path) {
    if (::mkdirat(parent, leaf.c_str(), kDirectoryMode) != 0)
        return std::unexpected(path_error(path, errno));
    if ((kDirectoryMode & umask) == 0) return {};
    // O_NOFOLLOW: if the name was swapped in the meantime, never chmod through a symlink.
    UniqueFd dir(::openat(parent, leaf.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!dir || ::fchmod(dir.get(), kDirectoryMode) != 0)
        return std::unexpected(path_error(path, errno));
    return {};
}

Result<Located> FileService::Impl::locate(const std::string& path, bool create_parents) {
    auto parts = split_path(path);
    Located out;
    out.path = path;
    if (parts.empty()) {
        auto self = open_dir("/");
        if (!self) return std::unexpected(about(path, self.error()));
        out.parent = std::move(*self);
        return out;
    }
    auto parent = create_parents ? make_parents(parts, parts.size() - 1)
                                 : open_dir(join_path(parts, parts.size() - 1));
    if (!parent) return std::unexpected(about(path, parent.error()));
    out.parent = std::move(*parent);
    out.leaf = parts.back();
    return out;
}

// A write to a symlink writes where it points (inside the root, like every resolution): the
// link's text is joined to its directory's path and folded, so "/", ".." and absolute targets
// all stay in the sandbox; /proc magic links fail when the result is resolved.
Result<std::string> FileService::Impl::follow_final_symlinks(std::string path) {
    for (int hops = 0;; ++hops) {
        auto parts = split_path(path);
        if (parts.empty()) return path;
        std::string dir_path = join_path(parts, parts.size() - 1);
        auto dir = open_dir(dir_path);
        if (!dir) return path; // missing parents are created later, or fail with a clear error
        struct stat st {};
        if (::fstatat(dir->get(), parts.back().c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 ||
            !S_ISLNK(st.st_mode))
            return path;
        if (hops == kMaxFinalSymlinks) return std::unexpected(path_error(path, ELOOP));
        char target[PATH_MAX];
        ssize_t n = ::readlinkat(dir->get(), parts.back().c_str(), target, sizeof target);
        if (n <= 0 || n == sizeof target) return std::unexpected(path_error(path, errno));
        std::string text(target, static_cast<std::size_t>(n));
        auto next = normalize_path(text, dir_path);
        if (!next) return std::unexpected(about(path, next.error()));
        path = std::move(*next);
    }
}

Result<Message> FileService::Impl::open_read(const std::string& path) {
    // O_NONBLOCK: opening a FIFO must not block PID 1 (it is refused below anyway).
    auto fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY);
    if (!fd) return std::unexpected(about(path, fd.error()));
    struct stat st {};
    if (::fstat(fd->get(), &st) != 0) return std::unexpected(path_error(path, errno));
    if (S_ISDIR(st.st_mode)) return std::unexpected(path_error(path, EISDIR));
    if (!S_ISREG(st.st_mode))
        return std::unexpected(
            make_error(Errc::invalid_argument, "'" + path + "' is not a regular file"));
    ::fcntl(fd->get(), F_SETFL, ::fcntl(fd->get(), F_GETFL) & ~O_NONBLOCK);
    Message reply(Op::reply, 0);
    reply.add_u64(Field::size, static_cast<std::uint64_t>(st.st_size));
    reply.add_fd(std::move(*fd));
    return reply;
}

Result<Message> FileService::Impl::open_write(ConnectionId connection, const std::string& path,
                                              FsIds ids) {
    auto real = follow_final_symlinks(path);
    if (!real) return std::unexpected(real.error());
    auto target = locate(*real, true);
    if (!target) return std::unexpected(about(path, target.error()));
    if (target->leaf.empty()) return std::unexpected(path_error(path, EISDIR));
    struct stat st {};
    if (::fstatat(target->parent.get(), target->leaf.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
        S_ISDIR(st.st_mode))
        return std::unexpected(path_error(path, EISDIR));
    UniqueFd file(::openat(target->parent.get(), ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, kFileMode));
    if (!file) return std::unexpected(path_error(path, errno));
    if ((kFileMode & umask) != 0 && ::fchmod(file.get(), kFileMode) != 0)
        return std::unexpected(path_error(path, errno));
    UniqueFd for_host(::fcntl(file.get(), F_DUPFD_CLOEXEC, 0));
    if (!for_host) return std::unexpected(sys_error("dup", errno));
    std::string token = std::to_string(next_token++);
    writes[token] = PendingWrite{connection, path, std::move(*target), std::move(file), ids};
    Message reply(Op::reply, 0);
    reply.add(Field::token, token);
    reply.add_fd(std::move(for_host));
    return reply;
}

Result<Message> FileService::Impl::commit(ConnectionId connection, const Message& request,
                                          const std::string& path) {
    std::string token(request.get(Field::token).value_or(""));
    auto it = writes.find(token);
    if (it == writes.end() || it->second.connection != connection)
        return std::unexpected(make_error(Errc::not_found, "no pending write '" + token + "'"));
    PendingWrite pending = std::move(it->second);
    writes.erase(it);
    if (pending.requested_path != path)
        return std::unexpected(make_error(Errc::invalid_argument,
                                          "commit of '" + path + "' does not match the write of '" +
                                              pending.requested_path + "'"));
    FsIdentityScope as_user(pending.ids);
    Located& target = pending.target;
    struct stat st {};
    bool exists =
        ::fstatat(target.parent.get(), target.leaf.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0;
    // Give the file a hidden name in the target's directory, then rename it over the target:
    // readers see the old file or the new one, never a mix. The name's suffix tells watchers
    // whether the commit creates the file (file_watcher.cpp).
    std::string temporary = std::string(kCommitPrefix) + token + "-" + std::to_string(::getpid()) +
                            (exists ? "-old" : "-new");
    std::string link = "/proc/self/fd/" + std::to_string(pending.file.get());
    if (::linkat(AT_FDCWD, link.c_str(), target.parent.get(), temporary.c_str(),
                 AT_SYMLINK_FOLLOW) != 0)
        return std::unexpected(path_error(path, errno));
    if (::renameat(target.parent.get(), temporary.c_str(), target.parent.get(),
                   target.leaf.c_str()) != 0) {
        int err = errno;
        ::unlinkat(target.parent.get(), temporary.c_str(), 0);
        return std::unexpected(path_error(path, err));
    }
    auto now = lstat_at(target.parent.get(), target.leaf, target.path);
    if (!now) return std::unexpected(now.error());
    Message reply(Op::reply, 0);
    auto names = IdNames::load(root.get());
    reply.add(
        Field::entry,
        entry_fields(target.parent.get(), target.leaf, target.path, *now, names).encode_fields());
    return reply;
}

Result<Message> FileService::Impl::stat(const std::string& path) {
    auto at = locate(path, false);
    if (!at) return std::unexpected(at.error());
    auto st = lstat_at(at->parent.get(), at->leaf, path);
    if (!st) return std::unexpected(st.error());
    Message reply(Op::reply, 0);
    reply.add(Field::entry,
              entry_fields(at->parent.get(), at->leaf, path, *st, IdNames::load(root.get()))
                  .encode_fields());
    return reply;
}

Status FileService::Impl::collect(int dir, const std::string& path, std::int64_t depth,
                                  const IdNames& names,
                                  std::vector<std::pair<std::string, std::string>>& out,
                                  std::size_t& bytes) {
    UniqueFd listing(::openat(dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    DIR* d = listing ? ::fdopendir(listing.get()) : nullptr;
    if (!d) return std::unexpected(path_error(path, errno));
    listing.release();
    std::vector<std::string> children;
    while (dirent* e = ::readdir(d))
        if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0)
            children.emplace_back(e->d_name);
    Status status;
    for (const auto& name : children) {
        std::string child = path == "/" ? "/" + name : path + "/" + name;
        struct stat st {};
        if (::fstatat(::dirfd(d), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
            continue; // removed while listing
        std::string entry = entry_fields(::dirfd(d), name, child, st, names).encode_fields();
        bytes += entry.size() + 8;
        if (bytes > kMaxListingBytes) {
            // One reply carries the whole listing (no paging yet); say how far it got.
            status = std::unexpected(make_error(
                Errc::invalid_argument,
                "listing of '" + path + "' exceeds " + std::to_string(kMaxListingBytes >> 20) +
                    " MiB after " + std::to_string(out.size()) +
                    " entries (no paging yet: list a smaller depth or subdirectories)"));
            break;
        }
        out.emplace_back(child, std::move(entry));
        if (!S_ISDIR(st.st_mode) || depth <= 1) continue;
        // O_NOFOLLOW: a symlinked directory is listed, never entered.
        UniqueFd sub(
            ::openat(::dirfd(d), name.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!sub) continue;
        auto nested = collect(sub.get(), child, depth - 1, names, out, bytes);
        if (!nested && nested.error().code != Errc::permission_denied) {
            status = nested;
            break;
        }
    }
    ::closedir(d);
    return status;
}

Result<Message> FileService::Impl::list(const std::string& path, std::int64_t depth) {
    if (depth <= 0)
        return std::unexpected(make_error(Errc::invalid_argument, "depth must be at least 1"));
    auto dir = open_dir(path);
    if (!dir) return std::unexpected(about(path, dir.error()));
    std::vector<std::pair<std::string, std::string>> entries;
    std::size_t bytes = 0;
    if (auto s = collect(dir->get(), path, depth, IdNames::load(root.get()), entries, bytes); !s)
        return std::unexpected(s.error());
    std::sort(entries.begin(), entries.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    Message reply(Op::reply, 0);
    for (const auto& [child, entry] : entries)
        reply.add(Field::entry, entry);
    return reply;
}

// Depth first, never following a symlink: a link to a directory is unlinked, not entered.
Status FileService::Impl::remove_tree(int parent, const std::string& name,
                                      const std::string& path) {
    UniqueFd dir(::openat(parent, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!dir) return std::unexpected(path_error(path, errno));
    std::vector<std::pair<std::string, bool>> children;
    {
        DIR* d = ::fdopendir(::fcntl(dir.get(), F_DUPFD_CLOEXEC, 0));
        if (!d) return std::unexpected(path_error(path, errno));
        while (dirent* e = ::readdir(d)) {
            if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0) continue;
            struct stat st {};
            bool is_dir = ::fstatat(dir.get(), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                          S_ISDIR(st.st_mode);
            children.emplace_back(e->d_name, is_dir);
        }
        ::closedir(d);
    }
    for (const auto& [child, is_dir] : children) {
        std::string child_path = path + "/" + child;
        if (is_dir) {
            if (auto s = remove_tree(dir.get(), child, child_path); !s) return s;
        } else if (::unlinkat(dir.get(), child.c_str(), 0) != 0 && errno != ENOENT) {
            return std::unexpected(path_error(child_path, errno));
        }
    }
    if (::unlinkat(parent, name.c_str(), AT_REMOVEDIR) != 0)
        return std::unexpected(path_error(path, errno));
    return {};
}

Result<Message> FileService::Impl::remove(const std::string& path) {
    if (path == "/")
        return std::unexpected(make_error(Errc::invalid_argument, "cannot remove '/'"));
    auto at = locate(path, false);
    if (!at) return std::unexpected(at.error());
    auto st = lstat_at(at->parent.get(), at->leaf, path);
    if (!st) return std::unexpected(st.error());
    if (S_ISDIR(st->st_mode)) {
        if (auto s = remove_tree(at->parent.get(), at->leaf, path); !s)
            return std::unexpected(s.error());
    } else if (::unlinkat(at->parent.get(), at->leaf.c_str(), 0) != 0) {
        return std::unexpected(path_error(path, errno));
    }
    return Message(Op::reply, 0);
}

Result<Message> FileService::Impl::rename(const std::string& from, const std::string& to) {
    if (from == "/" || to == "/")
        return std::unexpected(make_error(Errc::invalid_argument, "cannot rename '/'"));
    auto old_at = locate(from, false);
    if (!old_at) return std::unexpected(old_at.error());
    auto new_at = locate(to, false);
    if (!new_at) return std::unexpected(new_at.error());
    if (::renameat(old_at->parent.get(), old_at->leaf.c_str(), new_at->parent.get(),
                   new_at->leaf.c_str()) != 0) {
        int err = errno;
        return std::unexpected(sys_error("rename '" + from + "' to '" + to + "'", err));
    }
    return stat(to);
}

Result<Message> FileService::Impl::make_dir(const std::string& path) {
    auto at = locate(path, true);
    if (!at) return std::unexpected(at.error());
    bool created = false;
    if (!at->leaf.empty()) {
        auto made = make_directory(at->parent.get(), at->leaf, path);
        if (!made && made.error().sys_errno != EEXIST) return std::unexpected(made.error());
        created = made.has_value();
    }
    if (!created) {
        struct stat st {};
        int flags = at->leaf.empty() ? AT_EMPTY_PATH : 0; // an existing symlink to a dir is fine
        if (::fstatat(at->parent.get(), at->leaf.c_str(), &st, flags) != 0 || !S_ISDIR(st.st_mode))
            return std::unexpected(Error{Errc::not_a_directory, ENOTDIR,
                                         "'" + path + "' exists and is not a directory"});
    }
    auto reply = stat(path);
    if (reply) reply->add_u64(Field::created, created ? 1 : 0);
    return reply;
}

FileService::FileService(FileIdentity identity) : impl_(std::make_unique<Impl>(identity)) {}

FileService::~FileService() = default;

void FileService::connection_closed(ConnectionId connection) {
    // Dropping a pending write closes its O_TMPFILE: the data vanishes, nothing was ever named.
    std::erase_if(impl_->writes, [&](const auto& w) { return w.second.connection == connection; });
}

Result<Message> FileService::open_read(ConnectionId, const Message& request) {
    return impl_->as_user(
        request, [&](const FileUser&, const std::string& path) { return impl_->open_read(path); });
}

Result<Message> FileService::open_write(ConnectionId connection, const Message& request) {
    return impl_->as_user(request, [&](const FileUser& user, const std::string& path) {
        return impl_->open_write(connection, path, user.ids);
    });
}

Result<Message> FileService::commit(ConnectionId connection, const Message& request) {
    return impl_->as_user(request, [&](const FileUser&, const std::string& path) {
        return impl_->commit(connection, request, path);
    });
}

Result<Message> FileService::abort(ConnectionId connection, const Message& request) {
    if (auto user = file_user(impl_->identity, request); !user)
        return std::unexpected(user.error());
    std::string token(request.get(Field::token).value_or(""));
    auto it = impl_->writes.find(token);
    if (it == impl_->writes.end() || it->second.connection != connection)
        return std::unexpected(make_error(Errc::not_found, "no pending write '" + token + "'"));
    impl_->writes.erase(it);
    return Message(Op::reply, 0);
}

Result<Message> FileService::stat(ConnectionId, const Message& request) {
    return impl_->as_user(
        request, [&](const FileUser&, const std::string& path) { return impl_->stat(path); });
}

Result<Message> FileService::list(ConnectionId, const Message& request) {
    auto depth = static_cast<std::int64_t>(request.get_u64(Field::depth).value_or(1));
    return impl_->as_user(request, [&](const FileUser&, const std::string& path) {
        return impl_->list(path, depth);
    });
}

Result<Message> FileService::remove(ConnectionId, const Message& request) {
    return impl_->as_user(
        request, [&](const FileUser&, const std::string& path) { return impl_->remove(path); });
}

Result<Message> FileService::rename(ConnectionId, const Message& request) {
    return impl_->as_user(request,
                          [&](const FileUser& user, const std::string& path) -> Result<Message> {
                              auto to = request_path(user, request, Field::new_path);
                              if (!to) return std::unexpected(to.error());
                              return impl_->rename(path, *to);
                          });
}

Result<Message> FileService::make_dir(ConnectionId, const Message& request) {
    return impl_->as_user(
        request, [&](const FileUser&, const std::string& path) { return impl_->make_dir(path); });
}

} // namespace soulbox::agent
