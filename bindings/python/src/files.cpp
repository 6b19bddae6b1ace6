// Filesystem calls on soulbox::Filesystem. All of them wait for the sandbox's agent, so all run
// with the GIL released; the streaming ones take it back only inside their chunk callbacks
// (caller's thread).
#include "core.hpp"

#include <pybind11/stl.h>

#include <cstring>
#include <optional>
#include <tuple>

namespace soulbox_py {

namespace {

using soulbox::Sandbox;

// Entry metadata as the dict the Python layer turns into EntryInfo.
py::dict entry_dict(const soulbox::EntryInfo& entry) {
    py::dict d;
    d["name"] = entry.name;
    d["path"] = entry.path;
    d["type"] = static_cast<int>(entry.type);
    d["size"] = entry.size;
    d["mode"] = entry.mode;
    d["permissions"] = entry.permissions;
    d["owner"] = entry.owner;
    d["group"] = entry.group;
    d["modified_time_ms"] = unix_ms(entry.modified_time);
    d["symlink_target"] = entry.symlink_target;
    return d;
}

py::list entry_list(const std::vector<soulbox::EntryInfo>& entries) {
    py::list out;
    for (const auto& entry : entries)
        out.append(entry_dict(entry));
    return out;
}

// Runs one Filesystem call with the GIL released and returns its value (or raises its error).
template <class Call> auto file_call(Sandbox& sbx, const std::string& user, Call&& call) {
    soulbox::FileOptions options{user};
    return unwrap(without_gil([&] { return call(sbx.files(), options); }));
}

// A Python exception raised by a stream callback, kept until the call returns.
using PendingError = std::optional<py::error_already_set>;

void rethrow(PendingError& pending) {
    if (pending) throw std::move(*pending);
}

// sink(chunk: bytes) -> truthy to stop early. Runs on this thread, during the call.
void read_stream(Sandbox& sbx, const std::string& path, const std::string& user,
                 const py::object& sink) {
    PendingError error;
    soulbox::ChunkSink deliver = [&](std::string_view chunk) {
        py::gil_scoped_acquire gil;
        try {
            return !py::bool_(sink(py::bytes(chunk.data(), chunk.size())));
        } catch (py::error_already_set& e) {
            error = std::move(e);
            return false;
        }
    };
    soulbox::FileOptions options{user};
    auto status = without_gil([&] { return sbx.files().read_stream(path, deliver, options); });
    rethrow(error);
    unwrap(std::move(status));
}

// source(capacity: int) -> bytes of at most capacity; b"" ends the data.
py::dict write_stream(Sandbox& sbx, const std::string& path, const py::object& source,
                      const std::string& user) {
    PendingError error;
    soulbox::ChunkSource fill = [&](std::span<char> buffer) -> soulbox::Result<std::size_t> {
        py::gil_scoped_acquire gil;
        try {
            py::object chunk = source(buffer.size());
            if (!py::isinstance<py::bytes>(chunk))
                throw py::type_error("the write source must return bytes");
            auto view = chunk.cast<std::string_view>();
            if (view.size() > buffer.size())
                throw py::value_error("the write source returned more than it was asked for");
            std::memcpy(buffer.data(), view.data(), view.size());
            return view.size();
        } catch (py::error_already_set& e) {
            error = std::move(e);
        } catch (const py::builtin_exception& e) {
            e.set_error();
            error.emplace();
        }
        return std::unexpected(soulbox::make_error(soulbox::Errc::io, "the write source failed"));
    };
    soulbox::FileOptions options{user};
    auto entry = without_gil([&] { return sbx.files().write_stream(path, fill, options); });
    // A source that raised aborts the write: report its exception, not the library's error.
    rethrow(error);
    return entry_dict(unwrap(std::move(entry)));
}

// The bytes objects are immutable and referenced by the caller: their buffers stay valid while
// the GIL is released.
std::string_view bytes_view(const py::bytes& data) {
    char* buffer = nullptr;
    Py_ssize_t len = 0;
    PyBytes_AsStringAndSize(data.ptr(), &buffer, &len);
    return {buffer, static_cast<std::size_t>(len)};
}

py::list write_files(Sandbox& sbx, const std::vector<std::tuple<std::string, py::bytes>>& files,
                     const std::string& user) {
    std::vector<soulbox::WriteEntry> entries;
    entries.reserve(files.size());
    for (const auto& [path, data] : files)
        entries.push_back({path, std::string(bytes_view(data))});
    return entry_list(file_call(sbx, user, [&](auto& fs, const auto& options) {
        return fs.write_files(entries, options);
    }));
}

} // namespace

void bind_files(py::module_& m) {
    using Options = soulbox::FileOptions;
    using Files = soulbox::Filesystem;
    m.def(
        "files_read",
        [](Sandbox& sbx, const std::string& path, const std::string& user) {
            return py::bytes(file_call(
                sbx, user, [&](Files& fs, const Options& o) { return fs.read(path, o); }));
        },
        py::arg("sandbox"), py::arg("path"), py::arg("user"));
    m.def("files_read_stream", &read_stream, py::arg("sandbox"), py::arg("path"), py::arg("user"),
          py::arg("sink"));
    m.def(
        "files_write",
        [](Sandbox& sbx, const std::string& path, const py::bytes& data, const std::string& user) {
            auto view = bytes_view(data);
            return entry_dict(file_call(
                sbx, user, [&](Files& fs, const Options& o) { return fs.write(path, view, o); }));
        },
        py::arg("sandbox"), py::arg("path"), py::arg("data"), py::arg("user"));
    m.def("files_write_stream", &write_stream, py::arg("sandbox"), py::arg("path"),
          py::arg("source"), py::arg("user"));
    m.def("files_write_files", &write_files, py::arg("sandbox"), py::arg("files"), py::arg("user"));
    m.def(
        "files_list",
        [](Sandbox& sbx, const std::string& path, int depth, const std::string& user) {
            return entry_list(file_call(
                sbx, user, [&](Files& fs, const Options& o) { return fs.list(path, depth, o); }));
        },
        py::arg("sandbox"), py::arg("path"), py::arg("depth"), py::arg("user"));
    m.def(
        "files_exists",
        [](Sandbox& sbx, const std::string& path, const std::string& user) {
            return file_call(sbx, user,
                             [&](Files& fs, const Options& o) { return fs.exists(path, o); });
        },
        py::arg("sandbox"), py::arg("path"), py::arg("user"));
    m.def(
        "files_get_info",
        [](Sandbox& sbx, const std::string& path, const std::string& user) {
            return entry_dict(file_call(
                sbx, user, [&](Files& fs, const Options& o) { return fs.get_info(path, o); }));
        },
        py::arg("sandbox"), py::arg("path"), py::arg("user"));
    m.def(
        "files_remove",
        [](Sandbox& sbx, const std::string& path, const std::string& user) {
            file_call(sbx, user, [&](Files& fs, const Options& o) { return fs.remove(path, o); });
        },
        py::arg("sandbox"), py::arg("path"), py::arg("user"));
    m.def(
        "files_rename",
        [](Sandbox& sbx, const std::string& old_path, const std::string& new_path,
           const std::string& user) {
            return entry_dict(file_call(sbx, user, [&](Files& fs, const Options& o) {
                return fs.rename(old_path, new_path, o);
            }));
        },
        py::arg("sandbox"), py::arg("old_path"), py::arg("new_path"), py::arg("user"));
    m.def(
        "files_make_dir",
        [](Sandbox& sbx, const std::string& path, const std::string& user) {
            return file_call(sbx, user,
                             [&](Files& fs, const Options& o) { return fs.make_dir(path, o); });
        },
        py::arg("sandbox"), py::arg("path"), py::arg("user"));
}

} // namespace soulbox_py
