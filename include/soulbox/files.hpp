// Files inside a sandbox (E2B `files`), header-only over the C ABI. Paths are resolved by the
// agent inside the sandbox's own root, so no path, symlink or race can reach a host file. File
// data moves through file descriptors the agent opens and passes to this process: no copy
// through a relay. Reached as Sandbox::files() (soulbox.hpp).
#pragma once

#include "soulbox/c_bridge.hpp"
#include "soulbox/error.hpp"
#include "soulbox/soulbox.h"
#include "soulbox/types.hpp"

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace soulbox {

class Sandbox;

// A directory watch. Events arrive on the callback (a worker thread, in order) if one was given,
// and are always queued for get_new_events(). Movable; stops on destruction.
class WatchHandle {
public:
    WatchHandle(WatchHandle&&) noexcept = default;
    WatchHandle& operator=(WatchHandle&& other) noexcept {
        // The old watch stops before its callback goes away.
        watch_ = std::move(other.watch_);
        callback_ = std::move(other.callback_);
        return *this;
    }
    ~WatchHandle() = default; // watch_ (declared last) stops before callback_ is freed

    // Events since the last call (polling form); none once the watch has stopped.
    std::vector<FilesystemEvent> get_new_events() {
        auto list = detail::value<soulbox_event_list*>([&](soulbox_event_list** out, auto err) {
            return soulbox_watch_get_new_events(out, watch_.get(), err);
        });
        std::vector<FilesystemEvent> events;
        if (!list) return events;
        detail::Owned<soulbox_event_list> owned(*list);
        for (std::size_t i = 0, n = soulbox_event_list_count(*list); i < n; ++i)
            events.push_back({detail::text(soulbox_event_list_name(*list, i)),
                              static_cast<FilesystemEventType>(soulbox_event_list_type(*list, i))});
        return events;
    }
    Status stop() {
        return detail::check([&](auto err) { return soulbox_watch_stop(watch_.get(), err); });
    }

private:
    friend class Filesystem;
    WatchHandle(std::unique_ptr<EventCallback> callback, detail::Owned<soulbox_watch> watch)
        : callback_(std::move(callback)), watch_(std::move(watch)) {}

    static void event_fn(soulbox_event_type type, const char* name, void* self) noexcept {
        FilesystemEvent event{name, static_cast<FilesystemEventType>(type)};
        (*static_cast<EventCallback*>(self))(event);
    }

    std::unique_ptr<EventCallback> callback_; // user_data of the C watch
    detail::Owned<soulbox_watch> watch_;
};

class Filesystem {
public:
    // Whole file as bytes (std::string holds any bytes; E2B's "text" and "bytes" are the same).
    Result<std::string> read(std::string_view path, const FileOptions& options = {}) {
        Options c(options);
        std::string p(path);
        if (auto bad = detail::TextCheck{}(p, "path")(options.user, "user").error)
            return std::unexpected(std::move(*bad));
        // Read straight into the string (no copy): the library asks for room once it knows the
        // file's size.
        std::string content;
        auto reserve = [](std::size_t capacity, void* self) noexcept -> char* {
            auto& text = *static_cast<std::string*>(self);
            try {
                text.resize(capacity); // std::string keeps one more byte for the NUL
            } catch (...) {
                return nullptr;
            }
            return text.data();
        };
        auto len = detail::value<std::size_t>([&](std::size_t* out, auto err) {
            return soulbox_files_read_into(out, sandbox(), p.c_str(), reserve, &content, &c.options,
                                           err);
        });
        if (!len) return std::unexpected(std::move(len.error()));
        content.resize(*len);
        return content;
    }
    // The file in chunks; never holds it whole.
    Status read_stream(std::string_view path, const ChunkSink& sink,
                       const FileOptions& options = {}) {
        Options c(options);
        std::string p(path);
        if (auto bad = detail::TextCheck{}(p, "path")(options.user, "user").error)
            return std::unexpected(std::move(*bad));
        auto deliver = [](const char* data, std::size_t len, void* self) noexcept -> int {
            return (*static_cast<const ChunkSink*>(self))(std::string_view(data, len)) ? 0 : 1;
        };
        return detail::check([&](auto err) {
            return soulbox_files_read_stream(sandbox(), p.c_str(), deliver,
                                             const_cast<ChunkSink*>(&sink), &c.options, err);
        });
    }
    // Create or replace atomically (a reader or a crash never sees half a file); missing
    // parent directories are created.
    Result<EntryInfo> write(std::string_view path, std::string_view data,
                            const FileOptions& options = {}) {
        Options c(options);
        std::string p(path);
        if (auto bad = detail::TextCheck{}(p, "path")(options.user, "user").error)
            return std::unexpected(std::move(*bad));
        return entry([&](soulbox_entry** out, auto err) {
            return soulbox_files_write(out, sandbox(), p.c_str(), data.data(), data.size(),
                                       &c.options, err);
        });
    }
    Result<EntryInfo> write_stream(std::string_view path, const ChunkSource& source,
                                   const FileOptions& options = {}) {
        Options c(options);
        std::string p(path);
        if (auto bad = detail::TextCheck{}(p, "path")(options.user, "user").error)
            return std::unexpected(std::move(*bad));
        // The source's own error, kept to be returned instead of the C layer's generic one.
        struct Pull {
            const ChunkSource* source;
            std::optional<Error> error;
        } pull{&source, std::nullopt};
        auto fill = [](char* buffer, std::size_t capacity, std::size_t* filled,
                       void* self) noexcept -> int {
            auto* state = static_cast<Pull*>(self);
            auto n = (*state->source)(std::span<char>(buffer, capacity));
            if (!n) {
                state->error = std::move(n.error());
                return 1;
            }
            *filled = *n;
            return 0;
        };
        auto result = entry([&](soulbox_entry** out, auto err) {
            return soulbox_files_write_stream(out, sandbox(), p.c_str(), fill, &pull, &c.options,
                                              err);
        });
        if (!result && pull.error) return std::unexpected(std::move(*pull.error));
        return result;
    }
    Result<std::vector<EntryInfo>> write_files(const std::vector<WriteEntry>& files,
                                               const FileOptions& options = {}) {
        Options c(options);
        detail::TextCheck check;
        check(options.user, "user");
        std::vector<soulbox_write_entry> entries;
        entries.reserve(files.size());
        for (const auto& file : files) {
            check(file.path, "path");
            entries.push_back({file.path.c_str(), file.data.data(), file.data.size()});
        }
        if (check.error) return std::unexpected(std::move(*check.error));
        return entry_list([&](soulbox_entry_list** out, auto err) {
            return soulbox_files_write_files(out, sandbox(), entries.data(), entries.size(),
                                             &c.options, err);
        });
    }
    // Entries below `path`, `depth` levels deep (1 = the directory's own entries).
    Result<std::vector<EntryInfo>> list(std::string_view path, int depth = 1,
                                        const FileOptions& options = {}) {
        Options c(options);
        std::string p(path);
        if (auto bad = detail::TextCheck{}(p, "path")(options.user, "user").error)
            return std::unexpected(std::move(*bad));
        return entry_list([&](soulbox_entry_list** out, auto err) {
            return soulbox_files_list(out, sandbox(), p.c_str(), depth, &c.options, err);
        });
    }
    Result<bool> exists(std::string_view path, const FileOptions& options = {}) {
        Options c(options);
        std::string p(path);
        if (auto bad = detail::TextCheck{}(p, "path")(options.user, "user").error)
            return std::unexpected(std::move(*bad));
        auto found = detail::value<int>([&](int* out, auto err) {
            return soulbox_files_exists(out, sandbox(), p.c_str(), &c.options, err);
        });
        if (!found) return std::unexpected(std::move(found.error()));
        return *found != 0;
    }
    // Does not follow a final symlink (its target is in symlink_target).
    Result<EntryInfo> get_info(std::string_view path, const FileOptions& options = {}) {
        Options c(options);
        std::string p(path);
        if (auto bad = detail::TextCheck{}(p, "path")(options.user, "user").error)
            return std::unexpected(std::move(*bad));
        return entry([&](soulbox_entry** out, auto err) {
            return soulbox_files_get_info(out, sandbox(), p.c_str(), &c.options, err);
        });
    }
    // Files, symlinks and whole directory trees.
    Status remove(std::string_view path, const FileOptions& options = {}) {
        Options c(options);
        std::string p(path);
        if (auto bad = detail::TextCheck{}(p, "path")(options.user, "user").error)
            return std::unexpected(std::move(*bad));
        return detail::check(
            [&](auto err) { return soulbox_files_remove(sandbox(), p.c_str(), &c.options, err); });
    }
    Result<EntryInfo> rename(std::string_view old_path, std::string_view new_path,
                             const FileOptions& options = {}) {
        Options c(options);
        std::string from(old_path), to(new_path);
        auto bad = detail::TextCheck{}(from, "old_path")(to, "new_path")(options.user, "user");
        if (bad.error) return std::unexpected(std::move(*bad.error));
        return entry([&](soulbox_entry** out, auto err) {
            return soulbox_files_rename(out, sandbox(), from.c_str(), to.c_str(), &c.options, err);
        });
    }
    // false when the directory already exists; parents are created.
    Result<bool> make_dir(std::string_view path, const FileOptions& options = {}) {
        Options c(options);
        std::string p(path);
        if (auto bad = detail::TextCheck{}(p, "path")(options.user, "user").error)
            return std::unexpected(std::move(*bad));
        auto created = detail::value<int>([&](int* out, auto err) {
            return soulbox_files_make_dir(out, sandbox(), p.c_str(), &c.options, err);
        });
        if (!created) return std::unexpected(std::move(created.error()));
        return *created != 0;
    }
    Result<WatchHandle> watch_dir(std::string_view path, bool recursive = false,
                                  EventCallback on_event = {}, const FileOptions& options = {}) {
        Options c(options);
        std::string p(path);
        if (auto bad = detail::TextCheck{}(p, "path")(options.user, "user").error)
            return std::unexpected(std::move(*bad));
        std::unique_ptr<EventCallback> callback;
        if (on_event) callback = std::make_unique<EventCallback>(std::move(on_event));
        auto watch = detail::value<soulbox_watch*>([&](soulbox_watch** out, auto err) {
            return soulbox_files_watch_dir(out, sandbox(), p.c_str(), recursive ? 1 : 0,
                                           callback ? &WatchHandle::event_fn : nullptr,
                                           callback.get(), &c.options, err);
        });
        if (!watch) return std::unexpected(std::move(watch.error()));
        return WatchHandle(std::move(callback), detail::Owned<soulbox_watch>(*watch));
    }

private:
    friend class Sandbox;
    explicit Filesystem(const detail::Owned<soulbox_sandbox>& sandbox) : sandbox_(&sandbox) {}
    soulbox_sandbox* sandbox() const noexcept { return sandbox_->get(); }

    // FileOptions as the C struct; borrows the options' strings.
    struct Options {
        soulbox_file_options options;
        explicit Options(const FileOptions& given) {
            soulbox_file_options_init(&options);
            options.user = given.user.c_str();
        }
    };

    template <class Call> static Result<EntryInfo> entry(Call&& call) {
        auto c = detail::value<soulbox_entry*>(call);
        if (!c) return std::unexpected(std::move(c.error()));
        detail::Owned<soulbox_entry> owned(*c);
        return detail::entry_info(*c);
    }
    template <class Call> static Result<std::vector<EntryInfo>> entry_list(Call&& call) {
        auto c = detail::value<soulbox_entry_list*>(call);
        if (!c) return std::unexpected(std::move(c.error()));
        detail::Owned<soulbox_entry_list> owned(*c);
        return detail::entry_infos(*c);
    }

    const detail::Owned<soulbox_sandbox>* sandbox_; // the owning Sandbox's handle
};

} // namespace soulbox
