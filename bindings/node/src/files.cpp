// sandbox.files: one-shot file operations on the pool. Every function takes the NativeSandbox
// first and the user ("user"/"root", undefined = default) last.
#include "async.hpp"
#include "exports.hpp"
#include "sandbox.hpp"

#include <limits>

namespace soulbox_node {
namespace {

// The file options plus the string they point to.
struct FileUser {
    OptionalText user;
    soulbox_file_options options{};
    explicit FileUser(const Napi::Value& value) {
        soulbox_file_options_init(&options);
        user.value = toOptionalText(value, "user");
        options.user = user.get();
    }
    const soulbox_file_options* get() const { return &options; }
};

// The state of one file call: its arguments and its C results, shared by work and done.
struct FileCall {
    FileCall(const Napi::CallbackInfo& info, size_t userIndex)
        : sandbox(SandboxWrap::unwrap(info[0])), user(info[userIndex]) {}
    SandboxRef sandbox;
    FileUser user;
    std::string path;
    std::string path2;
    std::vector<char> bytes;
    EntryPtr entry;
    EntryListPtr entries;
    int flag = 0;
    soulbox_sandbox* sbx() const { return sandbox->get(); }
};

struct FreeBuffer {
    void operator()(void* p) const noexcept { soulbox_free(p); }
};

// readFile(sandbox, path, user) -> Promise<Buffer>
Napi::Value readFile(const Napi::CallbackInfo& info) {
    auto call = std::make_shared<FileCall>(info, 2);
    call->path = toText(info[1], "path");
    auto data = std::make_shared<std::unique_ptr<void, FreeBuffer>>();
    auto size = std::make_shared<size_t>(0);
    return runInPool(
        info.Env(),
        [call, data, size] {
            void* out = nullptr;
            soulbox_error* err = nullptr;
            Status status = check(soulbox_files_read(&out, size.get(), call->sbx(),
                                                     call->path.c_str(), call->user.get(), &err),
                                  err);
            data->reset(out);
            return status;
        },
        [data, size](Napi::Env env) -> Napi::Value {
            // The library's buffer becomes the Buffer's memory: no copy of a large file.
            void* raw = data->release();
            return Napi::Buffer<char>::New(env, static_cast<char*>(raw), *size,
                                           [](Napi::Env, char* p) { soulbox_free(p); });
        });
}

// writeFile(sandbox, path, bytes, user) -> Promise<EntryInfo>
Napi::Value writeFile(const Napi::CallbackInfo& info) {
    auto call = std::make_shared<FileCall>(info, 3);
    call->path = toText(info[1], "path");
    call->bytes = toBytes(info[2], "data");
    return runInPool(
        info.Env(),
        [call] {
            soulbox_entry* out = nullptr;
            soulbox_error* err = nullptr;
            Status status =
                check(soulbox_files_write(&out, call->sbx(), call->path.c_str(), call->bytes.data(),
                                          call->bytes.size(), call->user.get(), &err),
                      err);
            call->entry.reset(out);
            return status;
        },
        [call](Napi::Env env) { return entryToJs(env, call->entry.get()); });
}

// writeFiles(sandbox, [[path, bytes], ...], user) -> Promise<EntryInfo[]>
Napi::Value writeFiles(const Napi::CallbackInfo& info) {
    auto call = std::make_shared<FileCall>(info, 2);
    if (!info[1].IsArray()) throw Napi::TypeError::New(info.Env(), "files must be an array");
    auto array = info[1].As<Napi::Array>();
    auto paths = std::make_shared<std::vector<std::string>>();
    auto contents = std::make_shared<std::vector<std::vector<char>>>();
    for (uint32_t i = 0; i < array.Length(); ++i) {
        Napi::Value item = array.Get(i);
        if (!item.IsArray() || item.As<Napi::Array>().Length() != 2)
            throw Napi::TypeError::New(info.Env(), "files must hold [path, data] pairs");
        paths->push_back(toText(item.As<Napi::Array>().Get(0u), "path"));
        contents->push_back(toBytes(item.As<Napi::Array>().Get(1u), "data"));
    }
    return runInPool(
        info.Env(),
        [call, paths, contents] {
            std::vector<soulbox_write_entry> files;
            for (size_t i = 0; i < paths->size(); ++i)
                files.push_back(
                    {(*paths)[i].c_str(), (*contents)[i].data(), (*contents)[i].size()});
            soulbox_entry_list* out = nullptr;
            soulbox_error* err = nullptr;
            Status status = check(soulbox_files_write_files(&out, call->sbx(), files.data(),
                                                            files.size(), call->user.get(), &err),
                                  err);
            call->entries.reset(out);
            return status;
        },
        [call](Napi::Env env) { return entryListToJs(env, call->entries.get()); });
}

// listDir(sandbox, path, depth, user) -> Promise<EntryInfo[]>
Napi::Value listDir(const Napi::CallbackInfo& info) {
    auto call = std::make_shared<FileCall>(info, 3);
    call->path = toText(info[1], "path");
    call->flag = static_cast<int>(toInteger(info[2], "depth", 1, 1 << 20));
    return runInPool(
        info.Env(),
        [call] {
            soulbox_entry_list* out = nullptr;
            soulbox_error* err = nullptr;
            Status status = check(soulbox_files_list(&out, call->sbx(), call->path.c_str(),
                                                     call->flag, call->user.get(), &err),
                                  err);
            call->entries.reset(out);
            return status;
        },
        [call](Napi::Env env) { return entryListToJs(env, call->entries.get()); });
}

// exists(sandbox, path, user) -> Promise<boolean>
Napi::Value exists(const Napi::CallbackInfo& info) {
    auto call = std::make_shared<FileCall>(info, 2);
    call->path = toText(info[1], "path");
    return runInPool(
        info.Env(),
        [call] {
            soulbox_error* err = nullptr;
            return check(soulbox_files_exists(&call->flag, call->sbx(), call->path.c_str(),
                                              call->user.get(), &err),
                         err);
        },
        [call](Napi::Env env) { return Napi::Boolean::New(env, call->flag != 0); });
}

// stat(sandbox, path, user) -> Promise<EntryInfo>
Napi::Value stat(const Napi::CallbackInfo& info) {
    auto call = std::make_shared<FileCall>(info, 2);
    call->path = toText(info[1], "path");
    return runInPool(
        info.Env(),
        [call] {
            soulbox_entry* out = nullptr;
            soulbox_error* err = nullptr;
            Status status = check(soulbox_files_get_info(&out, call->sbx(), call->path.c_str(),
                                                         call->user.get(), &err),
                                  err);
            call->entry.reset(out);
            return status;
        },
        [call](Napi::Env env) { return entryToJs(env, call->entry.get()); });
}

// remove(sandbox, path, user) -> Promise<void>
Napi::Value remove(const Napi::CallbackInfo& info) {
    auto call = std::make_shared<FileCall>(info, 2);
    call->path = toText(info[1], "path");
    return runInPool(info.Env(), [call] {
        soulbox_error* err = nullptr;
        return check(soulbox_files_remove(call->sbx(), call->path.c_str(), call->user.get(), &err),
                     err);
    });
}

// rename(sandbox, oldPath, newPath, user) -> Promise<EntryInfo>
Napi::Value rename(const Napi::CallbackInfo& info) {
    auto call = std::make_shared<FileCall>(info, 3);
    call->path = toText(info[1], "oldPath");
    call->path2 = toText(info[2], "newPath");
    return runInPool(
        info.Env(),
        [call] {
            soulbox_entry* out = nullptr;
            soulbox_error* err = nullptr;
            Status status = check(soulbox_files_rename(&out, call->sbx(), call->path.c_str(),
                                                       call->path2.c_str(), call->user.get(), &err),
                                  err);
            call->entry.reset(out);
            return status;
        },
        [call](Napi::Env env) { return entryToJs(env, call->entry.get()); });
}

// makeDir(sandbox, path, user) -> Promise<boolean> (false: it already existed)
Napi::Value makeDir(const Napi::CallbackInfo& info) {
    auto call = std::make_shared<FileCall>(info, 2);
    call->path = toText(info[1], "path");
    return runInPool(
        info.Env(),
        [call] {
            soulbox_error* err = nullptr;
            return check(soulbox_files_make_dir(&call->flag, call->sbx(), call->path.c_str(),
                                                call->user.get(), &err),
                         err);
        },
        [call](Napi::Env env) { return Napi::Boolean::New(env, call->flag != 0); });
}

} // namespace

void initFiles(Napi::Env env, Napi::Object exports) {
    exports.Set("readFile", Napi::Function::New<readFile>(env, "readFile"));
    exports.Set("writeFile", Napi::Function::New<writeFile>(env, "writeFile"));
    exports.Set("writeFiles", Napi::Function::New<writeFiles>(env, "writeFiles"));
    exports.Set("listDir", Napi::Function::New<listDir>(env, "listDir"));
    exports.Set("exists", Napi::Function::New<exists>(env, "exists"));
    exports.Set("stat", Napi::Function::New<stat>(env, "stat"));
    exports.Set("remove", Napi::Function::New<remove>(env, "remove"));
    exports.Set("rename", Napi::Function::New<rename>(env, "rename"));
    exports.Set("makeDir", Napi::Function::New<makeDir>(env, "makeDir"));
}

} // namespace soulbox_node
