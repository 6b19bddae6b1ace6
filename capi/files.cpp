// soulbox_files_* and soulbox_entry*: files inside a sandbox.
#include "handles.hpp"

#include <cstdlib>
#include <span>

using namespace soulbox;
using namespace soulbox::capi;

FileOptions soulbox::capi::file_options(const soulbox_file_options* given) {
    auto c = read_options(given, &soulbox_file_options_init, "file options");
    FileOptions options;
    options.user = text_or(c.user, "user", options.user);
    return options;
}

namespace {

Filesystem& files_of(soulbox_sandbox* sbx) {
    return need(sbx, "sbx").sandbox.files();
}

soulbox_entry* entry_object(EntryInfo info) {
    return make<soulbox_entry>(std::move(info));
}

soulbox_entry_list* entry_list_object(std::vector<EntryInfo> infos) {
    auto list = std::make_unique<soulbox_entry_list>();
    list->entries.reserve(infos.size());
    for (auto& info : infos)
        list->entries.push_back(soulbox_entry{std::move(info)});
    return list.release();
}

} // namespace

extern "C" {

int soulbox_file_options_init(soulbox_file_options* opts) {
    return guard(nullptr, [&] {
        need(opts, "opts") = soulbox_file_options{};
        opts->struct_size = sizeof *opts;
    });
}

int soulbox_files_read(void** data, size_t* len, soulbox_sandbox* sbx, const char* path,
                       const soulbox_file_options* opts, soulbox_error** err) {
    return guard(err, [&] {
        auto& data_slot = out_param(data, "data");
        auto& len_slot = out_param(len, "len");
        auto content = unwrap(files_of(sbx).read(text(path, "path"), file_options(opts)));
        len_slot = content.size;
        data_slot = content.data.release(); // malloc'd with its NUL: soulbox_free() frees it
    });
}

int soulbox_files_read_into(size_t* len, soulbox_sandbox* sbx, const char* path,
                            soulbox_reserve_fn reserve, void* user_data,
                            const soulbox_file_options* opts, soulbox_error** err) {
    return guard(err, [&] {
        auto& len_slot = out_param(len, "len");
        need(reserve, "reserve");
        len_slot = unwrap(files_of(sbx).read_into(
            text(path, "path"), [&](std::size_t capacity) { return reserve(capacity, user_data); },
            file_options(opts)));
    });
}

int soulbox_files_read_stream(soulbox_sandbox* sbx, const char* path, soulbox_chunk_sink_fn sink,
                              void* user_data, const soulbox_file_options* opts,
                              soulbox_error** err) {
    return guard(err, [&] {
        auto& files = files_of(sbx);
        need(sink, "sink");
        auto deliver = [&](std::string_view chunk) {
            return sink(chunk.data(), chunk.size(), user_data) == 0;
        };
        unwrap(files.read_stream(text(path, "path"), deliver, file_options(opts)));
    });
}

int soulbox_files_write(soulbox_entry** out, soulbox_sandbox* sbx, const char* path,
                        const void* data, size_t len, const soulbox_file_options* opts,
                        soulbox_error** err) {
    return guard(err, [&] {
        auto& slot = out_param(out, "out");
        auto& files = files_of(sbx);
        slot = entry_object(
            unwrap(files.write(text(path, "path"), bytes(data, len, "data"), file_options(opts))));
    });
}

int soulbox_files_write_stream(soulbox_entry** out, soulbox_sandbox* sbx, const char* path,
                               soulbox_chunk_source_fn source, void* user_data,
                               const soulbox_file_options* opts, soulbox_error** err) {
    return guard(err, [&] {
        auto& slot = out_param(out, "out");
        auto& files = files_of(sbx);
        need(source, "source");
        auto pull = [&](std::span<char> buffer) -> Result<std::size_t> {
            size_t filled = 0;
            if (int rc = source(buffer.data(), buffer.size(), &filled, user_data); rc != 0)
                return std::unexpected(make_error(Errc::io, "write source callback failed with " +
                                                                std::to_string(rc)));
            if (filled > buffer.size())
                return std::unexpected(make_error(
                    Errc::invalid_argument, "write source callback filled more than capacity"));
            return filled;
        };
        slot =
            entry_object(unwrap(files.write_stream(text(path, "path"), pull, file_options(opts))));
    });
}

int soulbox_files_write_files(soulbox_entry_list** out, soulbox_sandbox* sbx,
                              const soulbox_write_entry* files, size_t count,
                              const soulbox_file_options* opts, soulbox_error** err) {
    return guard(err, [&] {
        auto& slot = out_param(out, "out");
        auto& filesystem = files_of(sbx);
        if (!files && count != 0)
            fail(Errc::invalid_argument, "files is NULL but its count is " + std::to_string(count));
        std::vector<WriteEntry> entries;
        entries.reserve(count);
        for (size_t i = 0; i < count; ++i) {
            std::string where = "files[" + std::to_string(i) + "]";
            entries.push_back(
                {std::string(text(files[i].path, (where + ".path").c_str())),
                 std::string(bytes(files[i].data, files[i].len, (where + ".data").c_str()))});
        }
        slot = entry_list_object(unwrap(filesystem.write_files(entries, file_options(opts))));
    });
}

int soulbox_files_list(soulbox_entry_list** out, soulbox_sandbox* sbx, const char* path, int depth,
                       const soulbox_file_options* opts, soulbox_error** err) {
    return guard(err, [&] {
        auto& slot = out_param(out, "out");
        auto& files = files_of(sbx);
        if (depth < 1) fail(Errc::invalid_argument, "depth must be >= 1");
        slot = entry_list_object(unwrap(files.list(text(path, "path"), depth, file_options(opts))));
    });
}

int soulbox_files_exists(int* exists, soulbox_sandbox* sbx, const char* path,
                         const soulbox_file_options* opts, soulbox_error** err) {
    return guard(err, [&] {
        auto& slot = out_param(exists, "exists");
        auto& files = files_of(sbx);
        slot = unwrap(files.exists(text(path, "path"), file_options(opts))) ? 1 : 0;
    });
}

int soulbox_files_get_info(soulbox_entry** out, soulbox_sandbox* sbx, const char* path,
                           const soulbox_file_options* opts, soulbox_error** err) {
    return guard(err, [&] {
        auto& slot = out_param(out, "out");
        auto& files = files_of(sbx);
        slot = entry_object(unwrap(files.get_info(text(path, "path"), file_options(opts))));
    });
}

int soulbox_files_remove(soulbox_sandbox* sbx, const char* path, const soulbox_file_options* opts,
                         soulbox_error** err) {
    return guard(err, [&] {
        auto& files = files_of(sbx);
        unwrap(files.remove(text(path, "path"), file_options(opts)));
    });
}

int soulbox_files_rename(soulbox_entry** out, soulbox_sandbox* sbx, const char* old_path,
                         const char* new_path, const soulbox_file_options* opts,
                         soulbox_error** err) {
    return guard(err, [&] {
        auto& slot = out_param(out, "out");
        auto& files = files_of(sbx);
        slot = entry_object(unwrap(files.rename(text(old_path, "old_path"),
                                                text(new_path, "new_path"), file_options(opts))));
    });
}

int soulbox_files_make_dir(int* created, soulbox_sandbox* sbx, const char* path,
                           const soulbox_file_options* opts, soulbox_error** err) {
    return guard(err, [&] {
        auto& slot = out_param(created, "created");
        auto& files = files_of(sbx);
        slot = unwrap(files.make_dir(text(path, "path"), file_options(opts))) ? 1 : 0;
    });
}

void soulbox_entry_free(soulbox_entry* entry) {
    delete entry;
}

const char* soulbox_entry_name(const soulbox_entry* entry) {
    return entry ? entry->info.name.c_str() : "";
}

const char* soulbox_entry_path(const soulbox_entry* entry) {
    return entry ? entry->info.path.c_str() : "";
}

soulbox_file_type soulbox_entry_type(const soulbox_entry* entry) {
    static_assert(static_cast<int>(FileType::file) == SOULBOX_FILE_TYPE_FILE &&
                  static_cast<int>(FileType::dir) == SOULBOX_FILE_TYPE_DIR &&
                  static_cast<int>(FileType::symlink) == SOULBOX_FILE_TYPE_SYMLINK &&
                  static_cast<int>(FileType::other) == SOULBOX_FILE_TYPE_OTHER);
    return entry ? static_cast<soulbox_file_type>(entry->info.type) : SOULBOX_FILE_TYPE_OTHER;
}

uint64_t soulbox_entry_size(const soulbox_entry* entry) {
    return entry ? entry->info.size : 0;
}

uint32_t soulbox_entry_mode(const soulbox_entry* entry) {
    return entry ? entry->info.mode : 0;
}

const char* soulbox_entry_permissions(const soulbox_entry* entry) {
    return entry ? entry->info.permissions.c_str() : "";
}

const char* soulbox_entry_owner(const soulbox_entry* entry) {
    return entry ? entry->info.owner.c_str() : "";
}

const char* soulbox_entry_group(const soulbox_entry* entry) {
    return entry ? entry->info.group.c_str() : "";
}

int64_t soulbox_entry_modified_time_ms(const soulbox_entry* entry) {
    return entry ? to_unix_ms(entry->info.modified_time) : 0;
}

const char* soulbox_entry_symlink_target(const soulbox_entry* entry) {
    return entry && entry->info.symlink_target ? entry->info.symlink_target->c_str() : nullptr;
}

void soulbox_entry_list_free(soulbox_entry_list* list) {
    delete list;
}

size_t soulbox_entry_list_count(const soulbox_entry_list* list) {
    return list ? list->entries.size() : 0;
}

const soulbox_entry* soulbox_entry_list_get(const soulbox_entry_list* list, size_t index) {
    return element(list, &soulbox_entry_list::entries, index);
}

} // extern "C"
