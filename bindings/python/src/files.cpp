// Filesystem calls. All of them wait for the sandbox's agent, so all run with the GIL released;
// the streaming ones take it back only inside their chunk callbacks (caller's thread).
#include "core.hpp"

#include <pybind11/stl.h>

#include <cstring>
#include <optional>
#include <tuple>

namespace soulbox_py {

py::dict entry_dict(const soulbox_entry* entry) {
    const char* target = soulbox_entry_symlink_target(entry);
    py::dict d;
    d["name"] = soulbox_entry_name(entry);
    d["path"] = soulbox_entry_path(entry);
    d["type"] = static_cast<int>(soulbox_entry_type(entry));
    d["size"] = soulbox_entry_size(entry);
    d["mode"] = soulbox_entry_mode(entry);
    d["permissions"] = soulbox_entry_permissions(entry);
    d["owner"] = soulbox_entry_owner(entry);
    d["group"] = soulbox_entry_group(entry);
    d["modified_time_ms"] = soulbox_entry_modified_time_ms(entry);
    d["symlink_target"] = target ? py::object(py::str(target)) : py::object(py::none());
    return d;
}

py::list entry_list(const soulbox_entry_list* list) {
    py::list out;
    for (size_t i = 0; i < soulbox_entry_list_count(list); ++i)
        out.append(entry_dict(soulbox_entry_list_get(list, i)));
    return out;
}

namespace {

// The "user" option of every file call, owning its string.
class FileOptions {
public:
    explicit FileOptions(const std::string& user) : user_(text(user, "user")) {
        soulbox_file_options_init(&opts_);
        opts_.user = user_.c_str();
    }
    const soulbox_file_options* get() const { return &opts_; }

private:
    std::string user_;
    soulbox_file_options opts_;
};

// Runs a file call with the GIL released and raises its error (NOT_FOUND: a path).
template <class Call> void file_call(Call&& call) {
    soulbox_error* err = nullptr;
    int status = without_gil([&] { return call(&err); });
    check(status, err);
}

// A Python exception raised by a stream callback, kept until the C call returns.
using PendingError = std::optional<py::error_already_set>;

void rethrow(PendingError& pending) {
    if (pending) throw std::move(*pending);
}

py::bytes read(Sandbox& sbx, const std::string& path, const std::string& user) {
    std::string checked = text(path, "path");
    FileOptions opts(user);
    void* data = nullptr;
    size_t len = 0;
    file_call([&](soulbox_error** err) {
        return soulbox_files_read(&data, &len, sbx.get(), checked.c_str(), opts.get(), err);
    });
    Owned<void, soulbox_free> owned(data);
    return py::bytes(static_cast<const char*>(data), len);
}

// sink(chunk: bytes) -> truthy to stop early. Runs on this thread, during the call.
struct ReadSink {
    py::object sink;
    PendingError error;

    static int call(const char* data, size_t len, void* user_data) {
        auto& self = *static_cast<ReadSink*>(user_data);
        py::gil_scoped_acquire gil;
        try {
            return py::bool_(self.sink(py::bytes(data, len))) ? 1 : 0;
        } catch (py::error_already_set& e) {
            self.error = std::move(e);
            return 1;
        }
    }
};

void read_stream(Sandbox& sbx, const std::string& path, const std::string& user, py::object sink) {
    std::string checked = text(path, "path");
    FileOptions opts(user);
    ReadSink state{std::move(sink), std::nullopt};
    file_call([&](soulbox_error** err) {
        return soulbox_files_read_stream(sbx.get(), checked.c_str(), &ReadSink::call, &state,
                                         opts.get(), err);
    });
    rethrow(state.error);
}

// source(capacity: int) -> bytes of at most capacity; b"" ends the data.
struct WriteSource {
    py::object source;
    PendingError error;

    static int call(char* buffer, size_t capacity, size_t* filled, void* user_data) {
        auto& self = *static_cast<WriteSource*>(user_data);
        py::gil_scoped_acquire gil;
        try {
            py::object chunk = self.source(capacity);
            if (!py::isinstance<py::bytes>(chunk))
                throw py::type_error("the write source must return bytes");
            std::string_view view = chunk.cast<std::string_view>();
            if (view.size() > capacity)
                throw py::value_error("the write source returned more than it was asked for");
            std::memcpy(buffer, view.data(), view.size());
            *filled = view.size();
            return 0;
        } catch (py::error_already_set& e) {
            self.error = std::move(e);
        } catch (const py::builtin_exception& e) {
            e.set_error();
            self.error.emplace();
        }
        return 1;
    }
};

py::dict write(Sandbox& sbx, const std::string& path, const py::bytes& data,
               const std::string& user) {
    std::string checked = text(path, "path");
    FileOptions opts(user);
    // The bytes object is immutable and referenced by the caller: its buffer stays valid while
    // the GIL is released.
    char* buffer = nullptr;
    Py_ssize_t len = 0;
    PyBytes_AsStringAndSize(data.ptr(), &buffer, &len);
    soulbox_entry* raw = nullptr;
    file_call([&](soulbox_error** err) {
        return soulbox_files_write(&raw, sbx.get(), checked.c_str(), buffer,
                                   static_cast<size_t>(len), opts.get(), err);
    });
    EntryPtr entry(raw);
    return entry_dict(entry.get());
}

py::dict write_stream(Sandbox& sbx, const std::string& path, py::object source,
                      const std::string& user) {
    std::string checked = text(path, "path");
    FileOptions opts(user);
    WriteSource state{std::move(source), std::nullopt};
    soulbox_entry* raw = nullptr;
    soulbox_error* err = nullptr;
    int status = without_gil([&] {
        return soulbox_files_write_stream(&raw, sbx.get(), checked.c_str(), &WriteSource::call,
                                          &state, opts.get(), &err);
    });
    // A source that raised aborts the write: report its exception, not the C layer's IO error.
    if (state.error) soulbox_error_free(err);
    rethrow(state.error);
    check(status, err);
    EntryPtr entry(raw);
    return entry_dict(entry.get());
}

py::list write_files(Sandbox& sbx, const std::vector<std::tuple<std::string, py::bytes>>& files,
                     const std::string& user) {
    FileOptions opts(user);
    std::vector<std::string> paths;
    std::vector<soulbox_write_entry> entries;
    paths.reserve(files.size());
    entries.reserve(files.size());
    for (const auto& [path, data] : files) {
        paths.push_back(text(path, "path"));
        char* buffer = nullptr;
        Py_ssize_t len = 0;
        PyBytes_AsStringAndSize(data.ptr(), &buffer, &len);
        entries.push_back({paths.back().c_str(), buffer, static_cast<size_t>(len)});
    }
    soulbox_entry_list* raw = nullptr;
    file_call([&](soulbox_error** err) {
        return soulbox_files_write_files(&raw, sbx.get(), entries.data(), entries.size(),
                                         opts.get(), err);
    });
    EntryListPtr list(raw);
    return entry_list(list.get());
}

py::list list(Sandbox& sbx, const std::string& path, int depth, const std::string& user) {
    std::string checked = text(path, "path");
    FileOptions opts(user);
    soulbox_entry_list* raw = nullptr;
    file_call([&](soulbox_error** err) {
        return soulbox_files_list(&raw, sbx.get(), checked.c_str(), depth, opts.get(), err);
    });
    EntryListPtr entries(raw);
    return entry_list(entries.get());
}

bool exists(Sandbox& sbx, const std::string& path, const std::string& user) {
    std::string checked = text(path, "path");
    FileOptions opts(user);
    int found = 0;
    file_call([&](soulbox_error** err) {
        return soulbox_files_exists(&found, sbx.get(), checked.c_str(), opts.get(), err);
    });
    return found != 0;
}

py::dict get_info(Sandbox& sbx, const std::string& path, const std::string& user) {
    std::string checked = text(path, "path");
    FileOptions opts(user);
    soulbox_entry* raw = nullptr;
    file_call([&](soulbox_error** err) {
        return soulbox_files_get_info(&raw, sbx.get(), checked.c_str(), opts.get(), err);
    });
    EntryPtr entry(raw);
    return entry_dict(entry.get());
}

void remove(Sandbox& sbx, const std::string& path, const std::string& user) {
    std::string checked = text(path, "path");
    FileOptions opts(user);
    file_call([&](soulbox_error** err) {
        return soulbox_files_remove(sbx.get(), checked.c_str(), opts.get(), err);
    });
}

py::dict rename(Sandbox& sbx, const std::string& old_path, const std::string& new_path,
                const std::string& user) {
    std::string from = text(old_path, "old_path");
    std::string to = text(new_path, "new_path");
    FileOptions opts(user);
    soulbox_entry* raw = nullptr;
    file_call([&](soulbox_error** err) {
        return soulbox_files_rename(&raw, sbx.get(), from.c_str(), to.c_str(), opts.get(), err);
    });
    EntryPtr entry(raw);
    return entry_dict(entry.get());
}

bool make_dir(Sandbox& sbx, const std::string& path, const std::string& user) {
    std::string checked = text(path, "path");
    FileOptions opts(user);
    int created = 0;
    file_call([&](soulbox_error** err) {
        return soulbox_files_make_dir(&created, sbx.get(), checked.c_str(), opts.get(), err);
    });
    return created != 0;
}

} // namespace

void bind_files(py::module_& m) {
    m.def("files_read", &read, py::arg("sandbox"), py::arg("path"), py::arg("user"));
    m.def("files_read_stream", &read_stream, py::arg("sandbox"), py::arg("path"), py::arg("user"),
          py::arg("sink"));
    m.def("files_write", &write, py::arg("sandbox"), py::arg("path"), py::arg("data"),
          py::arg("user"));
    m.def("files_write_stream", &write_stream, py::arg("sandbox"), py::arg("path"),
          py::arg("source"), py::arg("user"));
    m.def("files_write_files", &write_files, py::arg("sandbox"), py::arg("files"), py::arg("user"));
    m.def("files_list", &list, py::arg("sandbox"), py::arg("path"), py::arg("depth"),
          py::arg("user"));
    m.def("files_exists", &exists, py::arg("sandbox"), py::arg("path"), py::arg("user"));
    m.def("files_get_info", &get_info, py::arg("sandbox"), py::arg("path"), py::arg("user"));
    m.def("files_remove", &remove, py::arg("sandbox"), py::arg("path"), py::arg("user"));
    m.def("files_rename", &rename, py::arg("sandbox"), py::arg("old_path"), py::arg("new_path"),
          py::arg("user"));
    m.def("files_make_dir", &make_dir, py::arg("sandbox"), py::arg("path"), py::arg("user"));
}

} // namespace soulbox_py
