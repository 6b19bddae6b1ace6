// The library's C++ implementation of the files API (see api/sandbox.hpp for the namespace).
// Paths are resolved by the agent inside the sandbox's own root, so no path, symlink or race
// can reach a host file. File data moves through file descriptors the agent opens and passes
// to this process: no copy through a relay.
#pragma once

#include "soulbox/error.hpp"
#include "soulbox/types.hpp"

#include <cstdlib>
#include <functional>
#include <memory>
#include <string_view>
#include <vector>

namespace soulbox {
inline namespace internal {

class Sandbox;

// A directory watch. Events arrive on the callback (a worker thread, in order) if one was given,
// and are always queued for get_new_events(). Movable; stops on destruction.
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

// A whole file in one malloc'd buffer with a NUL after `size` bytes, so the C ABI hands it to
// its caller as it is (soulbox_free() is free()).
struct FileBytes {
    struct Free {
        void operator()(char* p) const noexcept { std::free(p); }
    };
    std::unique_ptr<char, Free> data;
    std::size_t size = 0;
};

class Filesystem {
public:
    // Whole file as bytes, read straight into one buffer sized by the file.
    Result<FileBytes> read(std::string_view path, const FileOptions& options = {});
    // Whole file into the caller's memory: reserve(capacity) returns a buffer of capacity + 1
    // bytes that keeps what it held before (called again, larger, if the file grew since it was
    // measured). Returns the size; a NUL follows the data.
    using Reserve = std::function<char*(std::size_t capacity)>;
    Result<std::size_t> read_into(std::string_view path, const Reserve& reserve,
                                  const FileOptions& options = {});
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

} // namespace internal
} // namespace soulbox
