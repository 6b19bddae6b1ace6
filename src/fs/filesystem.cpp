// Files in a sandbox (E2B `files`), host side. The agent resolves every path inside the
// sandbox and hands back descriptors: reads come straight from the file, writes go into an
// unnamed temporary file that the agent renames over the target only once it is complete.
#include "fs/fs_internal.hpp"
#include "sandbox/sandbox_state.hpp"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <sys/stat.h>
#include <unistd.h>

namespace soulbox {

using protocol::Field;
using protocol::Message;
using protocol::Op;

namespace {

constexpr std::size_t kChunk = 256u << 10;

std::shared_ptr<sandbox::Channel> channel_of(const std::shared_ptr<Sandbox::State>& state) {
    return state ? state->channel : nullptr;
}

using fs::call;

// Read the whole descriptor in chunks; a short read is not the end, only 0 is.
Status pump_out(int fd, std::string_view path, const ChunkSink& sink) {
    std::string buffer(kChunk, '\0');
    for (;;) {
        ssize_t n = ::read(fd, buffer.data(), buffer.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return std::unexpected(sys_error("read '" + std::string(path) + "'"));
        if (n == 0) return {};
        if (!sink(std::string_view(buffer.data(), static_cast<std::size_t>(n)))) return {};
    }
}

Status write_all(int fd, std::string_view path, std::string_view data) {
    while (!data.empty()) {
        ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            int err = errno;
            if (err == ENOSPC || err == EDQUOT)
                return std::unexpected(
                    Error{Errc::not_enough_space, err,
                          "write '" + std::string(path) + "': not enough space in the sandbox"});
            return std::unexpected(sys_error("write '" + std::string(path) + "'", err));
        }
        data.remove_prefix(static_cast<std::size_t>(n));
    }
    return {};
}

// fs_open_write, fill the temporary file from `fill`, then fs_commit; any failure sends
// fs_abort, so the target is either the complete new file or untouched.
template <class Fill>
Result<EntryInfo> write_with(const std::shared_ptr<sandbox::Channel>& channel,
                             std::string_view path, const FileOptions& options, Fill fill) {
    if (auto s = fs::check_request(path, options); !s) return std::unexpected(s.error());
    auto opened = call(channel, fs::file_request(Op::fs_open_write, path, options));
    if (!opened) return std::unexpected(opened.error());
    auto token = opened->get(Field::token);
    if (!token || opened->fds().size() != 1)
        return std::unexpected(make_error(Errc::protocol, "malformed open-write reply"));
    std::string token_value(*token);
    UniqueFd file = std::move(opened->fds()[0]);
    Status filled = fill(file.get());
    file.reset(); // the agent's copy is the one that gets linked
    if (!filled) {
        Message abort = fs::file_request(Op::fs_abort, path, options);
        abort.add(Field::token, token_value);
        (void)call(channel, std::move(abort));
        return std::unexpected(filled.error());
    }
    Message commit = fs::file_request(Op::fs_commit, path, options);
    commit.add(Field::token, token_value);
    auto committed = call(channel, std::move(commit));
    if (!committed) return std::unexpected(committed.error());
    return fs::reply_entry(*committed);
}

} // namespace

// The file, opened by the agent inside the sandbox and passed to us.
Result<UniqueFd> open_for_read(const std::shared_ptr<Sandbox::State>& state, std::string_view path,
                               const FileOptions& options) {
    if (auto s = fs::check_request(path, options); !s) return std::unexpected(s.error());
    auto reply = call(channel_of(state), fs::file_request(Op::fs_open_read, path, options));
    if (!reply) return std::unexpected(reply.error());
    if (reply->fds().size() != 1)
        return std::unexpected(make_error(Errc::protocol, "malformed open-read reply"));
    return std::move(reply->fds()[0]);
}

Status Filesystem::read_stream(std::string_view path, const ChunkSink& sink,
                               const FileOptions& options) {
    auto fd = open_for_read(sandbox_->state_, path, options);
    if (!fd) return std::unexpected(fd.error());
    return pump_out(fd->get(), path, sink);
}

Result<std::size_t> Filesystem::read_into(std::string_view path, const Reserve& reserve,
                                          const FileOptions& options) {
    auto fd = open_for_read(sandbox_->state_, path, options);
    if (!fd) return std::unexpected(fd.error());
    // Sized once by fstat and read into directly: no chunk buffer, no copy. The byte after
    // `capacity` is read into too, so a file that grew since the fstat shows itself and the
    // buffer doubles; at the end that byte holds the NUL.
    struct stat st {};
    std::size_t capacity = ::fstat(fd->get(), &st) == 0 && st.st_size > 0
                               ? static_cast<std::size_t>(st.st_size)
                               : kChunk;
    auto out_of_memory = [&] {
        return std::unexpected(
            Error{Errc::internal, ENOMEM, "read '" + std::string(path) + "': out of memory"});
    };
    char* buffer = reserve(capacity);
    if (!buffer) return out_of_memory();
    std::size_t size = 0;
    for (;;) {
        if (size == capacity + 1) {
            capacity *= 2;
            if (!(buffer = reserve(capacity))) return out_of_memory();
        }
        ssize_t n = ::read(fd->get(), buffer + size, capacity + 1 - size);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return std::unexpected(sys_error("read '" + std::string(path) + "'"));
        if (n == 0) break;
        size += static_cast<std::size_t>(n);
    }
    buffer[size] = '\0';
    return size;
}

Result<FileBytes> Filesystem::read(std::string_view path, const FileOptions& options) {
    FileBytes bytes;
    auto size = read_into(
        path,
        [&](std::size_t capacity) -> char* {
            char* grown = static_cast<char*>(std::realloc(bytes.data.get(), capacity + 1));
            if (grown) {
                (void)bytes.data.release();
                bytes.data.reset(grown);
            }
            return grown;
        },
        options);
    if (!size) return std::unexpected(size.error());
    bytes.size = *size;
    return bytes;
}

Result<EntryInfo> Filesystem::write(std::string_view path, std::string_view data,
                                    const FileOptions& options) {
    return write_with(channel_of(sandbox_->state_), path, options,
                      [&](int fd) { return write_all(fd, path, data); });
}

Result<EntryInfo> Filesystem::write_stream(std::string_view path, const ChunkSource& source,
                                           const FileOptions& options) {
    if (!source)
        return std::unexpected(make_error(Errc::invalid_argument, "write_stream needs a source"));
    return write_with(channel_of(sandbox_->state_), path, options, [&](int fd) -> Status {
        std::string buffer(kChunk, '\0');
        for (;;) {
            auto n = source(std::span<char>(buffer.data(), buffer.size()));
            if (!n) return std::unexpected(n.error());
            if (*n == 0) return {};
            if (*n > buffer.size())
                return std::unexpected(
                    make_error(Errc::invalid_argument, "source returned more than its buffer"));
            if (auto s = write_all(fd, path, std::string_view(buffer.data(), *n)); !s) return s;
        }
    });
}

Result<std::vector<EntryInfo>> Filesystem::write_files(const std::vector<WriteEntry>& files,
                                                       const FileOptions& options) {
    std::vector<EntryInfo> written;
    written.reserve(files.size());
    for (const auto& file : files) {
        auto entry = write(file.path, file.data, options);
        if (!entry) {
            Error error = entry.error();
            error.context("write_files stopped at '" + file.path + "' (" +
                          std::to_string(written.size()) + " of " + std::to_string(files.size()) +
                          " written)");
            return std::unexpected(std::move(error));
        }
        written.push_back(std::move(*entry));
    }
    return written;
}

Result<std::vector<EntryInfo>> Filesystem::list(std::string_view path, int depth,
                                                const FileOptions& options) {
    if (auto s = fs::check_request(path, options); !s) return std::unexpected(s.error());
    if (depth <= 0)
        return std::unexpected(make_error(Errc::invalid_argument, "depth must be at least 1"));
    Message request = fs::file_request(Op::fs_list, path, options);
    request.add_u64(Field::depth, static_cast<std::uint64_t>(depth));
    auto reply = call(channel_of(sandbox_->state_), std::move(request));
    if (!reply) return std::unexpected(reply.error());
    std::vector<EntryInfo> entries;
    for (auto fields : reply->get_all(Field::entry)) {
        auto entry = fs::decode_entry(fields);
        if (!entry) return std::unexpected(entry.error());
        entries.push_back(std::move(*entry));
    }
    return entries;
}

Result<EntryInfo> Filesystem::get_info(std::string_view path, const FileOptions& options) {
    if (auto s = fs::check_request(path, options); !s) return std::unexpected(s.error());
    auto reply = call(channel_of(sandbox_->state_), fs::file_request(Op::fs_stat, path, options));
    if (!reply) return std::unexpected(reply.error());
    return fs::reply_entry(*reply);
}

Result<bool> Filesystem::exists(std::string_view path, const FileOptions& options) {
    auto info = get_info(path, options);
    if (info) return true;
    if (info.error().code == Errc::not_found) return false;
    return std::unexpected(info.error());
}

Status Filesystem::remove(std::string_view path, const FileOptions& options) {
    if (auto s = fs::check_request(path, options); !s) return s;
    auto reply = call(channel_of(sandbox_->state_), fs::file_request(Op::fs_remove, path, options));
    if (!reply) return std::unexpected(reply.error());
    return {};
}

Result<EntryInfo> Filesystem::rename(std::string_view old_path, std::string_view new_path,
                                     const FileOptions& options) {
    if (auto s = fs::check_request(old_path, options); !s) return std::unexpected(s.error());
    if (auto s = fs::check_path(new_path); !s) return std::unexpected(s.error());
    Message request = fs::file_request(Op::fs_rename, old_path, options);
    request.add(Field::new_path, new_path);
    auto reply = call(channel_of(sandbox_->state_), std::move(request));
    if (!reply) return std::unexpected(reply.error());
    return fs::reply_entry(*reply);
}

Result<bool> Filesystem::make_dir(std::string_view path, const FileOptions& options) {
    if (auto s = fs::check_request(path, options); !s) return std::unexpected(s.error());
    auto reply = call(channel_of(sandbox_->state_), fs::file_request(Op::fs_mkdir, path, options));
    if (!reply) return std::unexpected(reply.error());
    return reply->get_u64(Field::created).value_or(0) != 0;
}

} // namespace soulbox
