#include "cli/file_copy.hpp"

#include "cli/console.hpp"
#include "core/unique_fd.hpp"

#include <algorithm>
#include <cerrno>
#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace soulbox::cli {

namespace {

// Only these bits cross the boundary: a sandbox must not plant a setuid file on the host.
constexpr std::uint32_t kPermissionBits = 0777;
constexpr std::uint32_t kPlainFileMode = 0644;
// Paths per chmod process when fixing modes after a put.
constexpr std::size_t kChmodBatch = 256;

struct ModeFix {
    std::string path; // inside the sandbox
    std::uint32_t mode;
};

std::string join(const std::string& dir, std::string_view name) {
    if (dir.ends_with('/')) return dir + std::string(name);
    return dir + "/" + std::string(name);
}

std::string without_trailing_slashes(std::string path) {
    while (path.size() > 1 && path.ends_with('/'))
        path.pop_back();
    return path;
}

// The last component of a path, or "" for "/", "." and "..", which name no new entry.
std::string base_name(const std::string& path) {
    std::string trimmed = without_trailing_slashes(path);
    auto slash = trimmed.rfind('/');
    std::string name = slash == std::string::npos ? trimmed : trimmed.substr(slash + 1);
    return name == "." || name == ".." ? std::string() : name;
}

// A name from a sandbox listing that is safe to create in a host directory.
bool is_plain_name(std::string_view name) {
    return !name.empty() && name != "." && name != ".." &&
           name.find('/') == std::string_view::npos && name.find('\0') == std::string_view::npos;
}

std::unexpected<Error> failed(std::string what, int err = errno) {
    return std::unexpected(sys_error(what, err));
}

void warn_skipped(const std::string& path, std::string_view why) {
    print_error("warning: skipped '" + path + "': " + std::string(why));
}

// ---- put ----

Result<std::vector<std::string>> directory_names(int dirfd, const std::string& local) {
    UniqueFd copy(::fcntl(dirfd, F_DUPFD_CLOEXEC, 0));
    DIR* dir = copy ? ::fdopendir(copy.get()) : nullptr;
    if (!dir) return failed("read directory '" + local + "'");
    copy.release(); // closedir closes it
    ::rewinddir(dir);
    std::vector<std::string> names;
    errno = 0;
    while (dirent* entry = ::readdir(dir)) {
        std::string_view name = entry->d_name;
        if (name != "." && name != "..") names.emplace_back(name);
    }
    int err = errno;
    ::closedir(dir);
    if (err != 0) return failed("read directory '" + local + "'", err);
    std::sort(names.begin(), names.end());
    return names;
}

Status put_file(Sandbox& sandbox, int fd, const std::string& local, const std::string& remote,
                std::uint32_t mode, std::vector<ModeFix>& fixes) {
    ChunkSource source = [fd, &local](std::span<char> buffer) -> Result<std::size_t> {
        for (;;) {
            ssize_t n = ::read(fd, buffer.data(), buffer.size());
            if (n >= 0) return static_cast<std::size_t>(n);
            if (errno != EINTR) return failed("read '" + local + "'");
        }
    };
    auto written = sandbox.files().write_stream(remote, source);
    if (!written) return std::unexpected(written.error());
    if ((written->mode & kPermissionBits) != (mode & kPermissionBits))
        fixes.push_back({remote, mode & kPermissionBits});
    return {};
}

Status put_tree(Sandbox& sandbox, int dirfd, const std::string& local, const std::string& remote,
                std::uint32_t mode, std::vector<ModeFix>& fixes) {
    if (auto made = sandbox.files().make_dir(remote); !made) return std::unexpected(made.error());
    auto info = sandbox.files().get_info(remote);
    if (!info) return std::unexpected(info.error());
    if ((info->mode & kPermissionBits) != (mode & kPermissionBits))
        fixes.push_back({remote, mode & kPermissionBits});
    auto names = directory_names(dirfd, local);
    if (!names) return std::unexpected(names.error());
    for (const auto& name : *names) {
        std::string local_child = join(local, name);
        std::string remote_child = join(remote, name);
        struct stat st {};
        if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
            return failed("stat '" + local_child + "'");
        Status copied;
        if (S_ISDIR(st.st_mode)) {
            UniqueFd sub(
                ::openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
            if (!sub) return failed("open '" + local_child + "'");
            copied = put_tree(sandbox, sub.get(), local_child, remote_child, st.st_mode, fixes);
        } else if (S_ISREG(st.st_mode)) {
            UniqueFd file(::openat(dirfd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
            if (!file) return failed("open '" + local_child + "'");
            copied = put_file(sandbox, file.get(), local_child, remote_child, st.st_mode, fixes);
        } else {
            warn_skipped(local_child, S_ISLNK(st.st_mode) ? "symlinks are not copied"
                                                          : "not a regular file or directory");
        }
        if (!copied) return copied;
    }
    return {};
}

// The Filesystem API has no chmod: modes that differ from what it created are set with
// chmod(1) run as the same user, children before their directories (reverse creation order),
// so a directory made read-only comes last.
Status apply_modes(Sandbox& sandbox, const std::vector<ModeFix>& fixes) {
    auto run_chmod = [&](std::uint32_t mode, const std::vector<std::string>& paths) -> Status {
        std::vector<std::string> argv{"chmod", fmt::format("{:o}", mode), "--"};
        argv.insert(argv.end(), paths.begin(), paths.end());
        auto result = sandbox.commands().run(std::move(argv));
        if (!result) return std::unexpected(result.error());
        if (result->exit_code != 0)
            return std::unexpected(make_error(
                Errc::io, "set permissions: " + without_trailing_slashes(result->stderr_data)));
        return {};
    };
    std::vector<std::string> batch;
    std::uint32_t batch_mode = 0;
    for (auto fix = fixes.rbegin(); fix != fixes.rend(); ++fix) {
        if (!batch.empty() && (fix->mode != batch_mode || batch.size() == kChmodBatch)) {
            if (auto s = run_chmod(batch_mode, batch); !s) return s;
            batch.clear();
        }
        batch_mode = fix->mode;
        batch.push_back(fix->path);
    }
    if (!batch.empty()) return run_chmod(batch_mode, batch);
    return {};
}

// ---- get ----

Status get_file(Sandbox& sandbox, const std::string& remote, int dirfd, const std::string& leaf,
                const std::string& local, std::uint32_t mode) {
    UniqueFd out(
        ::openat(dirfd, leaf.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!out) return failed("create '" + local + "'");
    int write_errno = 0;
    auto read = sandbox.files().read_stream(remote, [&](std::string_view chunk) {
        if (write_all(out.get(), chunk)) return true;
        write_errno = errno;
        return false;
    });
    if (!read || write_errno) {
        // A partial copy would look like a whole one.
        ::unlinkat(dirfd, leaf.c_str(), 0);
        if (!read) return read;
        return failed("write '" + local + "'", write_errno);
    }
    if (::fchmod(out.get(), mode & kPermissionBits) != 0)
        return failed("set permissions of '" + local + "'");
    return {};
}

Status get_tree(Sandbox& sandbox, const std::string& remote, int dirfd, const std::string& leaf,
                const std::string& local, std::uint32_t mode) {
    if (::mkdirat(dirfd, leaf.c_str(), 0700) != 0 && errno != EEXIST)
        return failed("create directory '" + local + "'");
    UniqueFd dir(::openat(dirfd, leaf.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!dir) return failed("open directory '" + local + "'");
    auto entries = sandbox.files().list(remote, 1);
    if (!entries) return std::unexpected(entries.error());
    for (const auto& entry : *entries) {
        if (!is_plain_name(entry.name))
            return std::unexpected(make_error(
                Errc::protocol, "sandbox listed an entry with an unusable name in " + remote));
        std::string local_child = join(local, entry.name);
        std::string remote_child = join(remote, entry.name);
        Status copied;
        switch (entry.type) {
        case FileType::file:
            copied =
                get_file(sandbox, remote_child, dir.get(), entry.name, local_child, entry.mode);
            break;
        case FileType::dir:
            copied =
                get_tree(sandbox, remote_child, dir.get(), entry.name, local_child, entry.mode);
            break;
        case FileType::symlink:
            if (!entry.symlink_target)
                copied = std::unexpected(
                    make_error(Errc::protocol, "symlink without a target: " + remote_child));
            else if (::symlinkat(entry.symlink_target->c_str(), dir.get(), entry.name.c_str()) != 0)
                copied = failed("create symlink '" + local_child + "'");
            break;
        case FileType::other:
            warn_skipped(remote_child, "not a regular file, directory or symlink");
            break;
        }
        if (!copied) return copied;
    }
    // Last, so a read-only directory could still be filled.
    if (::fchmod(dir.get(), mode & kPermissionBits) != 0)
        return failed("set permissions of '" + local + "'");
    return {};
}

} // namespace

Status put_path(Sandbox& sandbox, const std::string& local, std::string remote) {
    struct stat st {};
    if (::stat(local.c_str(), &st) != 0) return failed("'" + local + "'");
    if (auto info = sandbox.files().get_info(remote); info && info->type == FileType::dir)
        if (std::string name = base_name(local); !name.empty()) remote = join(remote, name);
    std::vector<ModeFix> fixes;
    Status copied;
    if (S_ISDIR(st.st_mode)) {
        UniqueFd dir(::open(local.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (!dir) return failed("open '" + local + "'");
        copied = put_tree(sandbox, dir.get(), without_trailing_slashes(local),
                          without_trailing_slashes(remote), st.st_mode, fixes);
    } else if (S_ISREG(st.st_mode)) {
        UniqueFd file(::open(local.c_str(), O_RDONLY | O_CLOEXEC));
        if (!file) return failed("open '" + local + "'");
        copied = put_file(sandbox, file.get(), local, remote, st.st_mode, fixes);
    } else {
        return std::unexpected(
            make_error(Errc::invalid_argument, "'" + local + "' is not a file or directory"));
    }
    if (!copied) return copied;
    return apply_modes(sandbox, fixes);
}

Status get_path(Sandbox& sandbox, const std::string& remote, std::string local) {
    auto info = sandbox.files().get_info(remote);
    if (!info) return std::unexpected(info.error());
    local = without_trailing_slashes(local);
    struct stat st {};
    if (::stat(local.c_str(), &st) == 0 && S_ISDIR(st.st_mode) && is_plain_name(info->name))
        local = join(local, info->name);
    std::string leaf = base_name(local);
    if (leaf.empty())
        return std::unexpected(make_error(
            Errc::invalid_argument, "name a new local file or directory, not '" + local + "'"));
    std::string parent =
        local.size() > leaf.size() ? local.substr(0, local.size() - leaf.size()) : ".";
    UniqueFd parent_fd(::open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!parent_fd) return failed("open directory '" + parent + "'");
    switch (info->type) {
    case FileType::dir:
        return get_tree(sandbox, info->path, parent_fd.get(), leaf, local, info->mode);
    case FileType::file:
        return get_file(sandbox, info->path, parent_fd.get(), leaf, local, info->mode);
    case FileType::symlink:
        // As cp does, the file it names (read_stream resolves it inside the sandbox). Its mode
        // is not the link's 0777; without a stat that follows links, take a plain file's.
        return get_file(sandbox, info->path, parent_fd.get(), leaf, local, kPlainFileMode);
    case FileType::other:
        break;
    }
    return std::unexpected(
        make_error(Errc::invalid_argument, "'" + remote + "' is not a file or directory"));
}

} // namespace soulbox::cli
