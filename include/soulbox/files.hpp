// Files inside a sandbox (E2B `files`). Paths are resolved by the agent inside the sandbox's
// own root, so no path, symlink or race can reach a host file. File data moves through file
// descriptors the agent opens and passes to this process: no copy through a relay.
#pragma once

#include "soulbox/error.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace soulbox {

class Sandbox;

enum class FileType { file, dir, symlink, other };

struct EntryInfo {
    std::string name; // last path component
    FileType type = FileType::other;
    std::string path; // absolute, inside the sandbox
    std::uint64_t size = 0;
    std::uint32_t mode = 0;  // permission bits (07777)
    std::string permissions; // "-rwxr-xr-x"
    std::string owner;       // user name inside the sandbox ("user", "root", or the uid)
    std::string group;
    std::chrono::system_clock::time_point modified_time;
    std::optional<std::string> symlink_target;
};

struct FileOptions {
    std::string user = "user"; // "user" or "root": whose permissions apply, who owns new files
};

struct WriteEntry {
    std::string path;
    std::string data;
};

enum class FilesystemEventType { create, write, remove, rename, chmod };

struct FilesystemEvent {
    std::string name; // path relative to the watched directory
    FilesystemEventType type = FilesystemEventType::create;
};

// Returns the number of bytes put in `buffer`, 0 at the end of the data.
using ChunkSource = std::function<Result<std::size_t>(std::span<char> buffer)>;
// Receives each chunk; return false to stop reading early.
using ChunkSink = std::function<bool(std::string_view chunk)>;
using EventCallback = std::function<void(const FilesystemEvent& event)>;

// A directory watch. Events arrive on the callback (event-loop thread) if one was given, and
// are always queued for get_new_events(). Movable; stops on destruction.
class WatchHandle {
public:
    WatchHandle(WatchHandle&&) noexcept;
    WatchHandle& operator=(WatchHandle&&) noexcept;
    ~WatchHandle();
    // Events since the last call (polling form).
    std::vector<FilesystemEvent> get_new_events();
    Status stop();

    struct State;

private:
    friend class Filesystem;
    explicit WatchHandle(std::shared_ptr<State> state);
    std::shared_ptr<State> state_;
};

class Filesystem {
public:
    // Whole file as bytes (std::string holds any bytes; E2B's "text" and "bytes" are the same).
    Result<std::string> read(std::string_view path, const FileOptions& options = {});
    // The file in chunks; never holds it whole.
    Status read_stream(std::string_view path, const ChunkSink& sink,
                       const FileOptions& options = {});
    // Create or replace atomically (a reader or a crash never sees half a file); missing
    // parent directories are created.
    Result<EntryInfo> write(std::string_view path, std::string_view data,
                            const FileOptions& options = {});
    Result<EntryInfo> write_stream(std::string_view path, const ChunkSource& source,
                                   const FileOptions& options = {});
    Result<std::vector<EntryInfo>> write_files(const std::vector<WriteEntry>& files,
                                               const FileOptions& options = {});
    // Entries below `path`, `depth` levels deep (1 = the directory's own entries).
    Result<std::vector<EntryInfo>> list(std::string_view path, int depth = 1,
                                        const FileOptions& options = {});
    Result<bool> exists(std::string_view path, const FileOptions& options = {});
    // Does not follow a final symlink (its target is in symlink_target).
    Result<EntryInfo> get_info(std::string_view path, const FileOptions& options = {});
    // Files, symlinks and whole directory trees.
    Status remove(std::string_view path, const FileOptions& options = {});
    Result<EntryInfo> rename(std::string_view old_path, std::string_view new_path,
                             const FileOptions& options = {});
    // false when the directory already exists; parents are created.
    Result<bool> make_dir(std::string_view path, const FileOptions& options = {});
    Result<WatchHandle> watch_dir(std::string_view path, bool recursive = false,
                                  EventCallback on_event = {}, const FileOptions& options = {});

private:
    friend class Sandbox;
    explicit Filesystem(Sandbox* sandbox) : sandbox_(sandbox) {}
    Sandbox* sandbox_;
};

} // namespace soulbox
