// sandbox.files: one-shot file operations on the pool. Every function takes the NativeSandbox
// first and the user ("user"/"root", undefined = default) last.
#include "async.hpp"
#include "exports.hpp"
#include "sandbox.hpp"

namespace soulbox_node {
namespace {

// The file's bytes become the Buffer's memory: no further copy of a large file.
Napi::Value toBuffer(Napi::Env env, std::string& data) {
    auto owned = std::make_unique<std::string>(std::move(data));
    auto buffer = Napi::Buffer<char>::New(
        env, owned->data(), owned->size(), [](Napi::Env, char*, std::string* s) { delete s; },
        owned.get());
    owned.release(); // the Buffer's finalizer frees it
    return buffer;
}

// The common shape fn(sandbox, path, user): runs files().*Op(path, options) on the pool.
template <auto Op, class Convert = ToJs>
Napi::Value onPath(const Napi::CallbackInfo& info, Convert convert = {}) {
    return runInPool(
        info.Env(),
        [sandbox = SandboxWrap::unwrap(info[0]), path = toText(info[1], "path"),
         options = toFileOptions(info[2])] { return (sandbox->files().*Op)(path, options); },
        std::move(convert));
}

// readFile(sandbox, path, user) -> Promise<Buffer>
Napi::Value readFile(const Napi::CallbackInfo& info) {
    return onPath<&soulbox::Filesystem::read>(info, toBuffer);
}

// writeFile(sandbox, path, bytes, user) -> Promise<EntryInfo>
Napi::Value writeFile(const Napi::CallbackInfo& info) {
    return runInPool(info.Env(),
                     [sandbox = SandboxWrap::unwrap(info[0]), path = toText(info[1], "path"),
                      bytes = toBytes(info[2], "data"), options = toFileOptions(info[3])] {
                         return sandbox->files().write(path, bytes, options);
                     });
}

// writeFiles(sandbox, [[path, bytes], ...], user) -> Promise<EntryInfo[]>
Napi::Value writeFiles(const Napi::CallbackInfo& info) {
    SandboxRef sandbox = SandboxWrap::unwrap(info[0]);
    if (!info[1].IsArray()) throw Napi::TypeError::New(info.Env(), "files must be an array");
    auto array = info[1].As<Napi::Array>();
    std::vector<soulbox::WriteEntry> files;
    for (uint32_t i = 0; i < array.Length(); ++i) {
        Napi::Value item = array.Get(i);
        if (!item.IsArray() || item.As<Napi::Array>().Length() != 2)
            throw Napi::TypeError::New(info.Env(), "files must hold [path, data] pairs");
        files.push_back({toText(item.As<Napi::Array>().Get(0u), "path"),
                         toBytes(item.As<Napi::Array>().Get(1u), "data")});
    }
    return runInPool(info.Env(),
                     [sandbox, files = std::move(files), options = toFileOptions(info[2])] {
                         return sandbox->files().write_files(files, options);
                     });
}

// listDir(sandbox, path, depth, user) -> Promise<EntryInfo[]>
Napi::Value listDir(const Napi::CallbackInfo& info) {
    return runInPool(
        info.Env(),
        [sandbox = SandboxWrap::unwrap(info[0]), path = toText(info[1], "path"),
         depth = static_cast<int>(toInteger(info[2], "depth", 1, 1 << 20)),
         options = toFileOptions(info[3])] { return sandbox->files().list(path, depth, options); });
}

// exists(sandbox, path, user) -> Promise<boolean>
Napi::Value exists(const Napi::CallbackInfo& info) {
    return onPath<&soulbox::Filesystem::exists>(info);
}

// stat(sandbox, path, user) -> Promise<EntryInfo>
Napi::Value stat(const Napi::CallbackInfo& info) {
    return onPath<&soulbox::Filesystem::get_info>(info);
}

// remove(sandbox, path, user) -> Promise<void>
Napi::Value remove(const Napi::CallbackInfo& info) {
    return onPath<&soulbox::Filesystem::remove>(info);
}

// rename(sandbox, oldPath, newPath, user) -> Promise<EntryInfo>
Napi::Value rename(const Napi::CallbackInfo& info) {
    return runInPool(info.Env(),
                     [sandbox = SandboxWrap::unwrap(info[0]), from = toText(info[1], "oldPath"),
                      to = toText(info[2], "newPath"), options = toFileOptions(info[3])] {
                         return sandbox->files().rename(from, to, options);
                     });
}

// makeDir(sandbox, path, user) -> Promise<boolean> (false: it already existed)
Napi::Value makeDir(const Napi::CallbackInfo& info) {
    return onPath<&soulbox::Filesystem::make_dir>(info);
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
