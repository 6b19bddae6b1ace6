// Shared pieces of the soulbox._core extension: ownership of C objects, error conversion and
// GIL helpers. The extension only includes the public C ABI (soulbox/soulbox.h).
#pragma once

#include <soulbox/soulbox.h>

#include <pybind11/pybind11.h>

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace soulbox_py {

namespace py = pybind11;

// unique_ptr over a C object freed by its soulbox _free function.
template <auto Free> struct FreeWith {
    template <class T> void operator()(T* ptr) const { Free(ptr); }
};
template <class T, auto Free> using Owned = std::unique_ptr<T, FreeWith<Free>>;

using ErrorPtr = Owned<soulbox_error, soulbox_error_free>;
using ResultPtr = Owned<soulbox_command_result, soulbox_command_result_free>;
using EntryPtr = Owned<soulbox_entry, soulbox_entry_free>;
using EntryListPtr = Owned<soulbox_entry_list, soulbox_entry_list_free>;

// A failed C call, thrown through C++ and turned into a soulbox.exceptions class by the
// translator registered in errors.cpp: the class follows from the code and the subject (what
// the error refers to, soulbox_subject), as in the Node binding.
struct CoreError {
    int code;
    int sys_errno;
    std::string message;
    int subject;
};

// The CoreError for a failed status and its error object (err may be NULL: the error object
// itself could not be allocated).
CoreError core_error(int status, const soulbox_error* err);

// Throws CoreError for a failed status; takes ownership of err. Call it with the GIL held or
// released: it touches no Python object.
void check(int status, soulbox_error* err);

// Registers the CoreError translator.
void register_errors(py::module_& m);

// Runs fn with the GIL released: every C call that can block or wait for callbacks goes
// through here, so the library's loop thread can always take the GIL to run a callback.
template <class Fn> decltype(auto) without_gil(Fn&& fn) {
    py::gil_scoped_release nogil;
    return std::forward<Fn>(fn)();
}

// A Python string for the C API: rejects embedded NULs, which C would silently cut off.
std::string text(std::string value, const char* what);

// Envs / metadata as a soulbox_kv array whose strings stay owned here.
class KvArray {
public:
    KvArray(const std::map<std::string, std::string>& map, const char* what);
    const soulbox_kv* data() const { return kv_.empty() ? nullptr : kv_.data(); }
    size_t size() const { return kv_.size(); }

private:
    std::vector<std::pair<std::string, std::string>> strings_;
    std::vector<soulbox_kv> kv_;
};

// nullptr for an empty optional string, so the C default applies.
inline const char* or_null(const std::string& value) {
    return value.empty() ? nullptr : value.c_str();
}

// Runs body (which calls Python) on a library thread, e.g. the event loop delivering output:
// takes the GIL, reports any exception as unraisable instead of letting it reach C, and does
// nothing once the interpreter is shutting down (taking the GIL then would end the thread).
template <class Body> void from_library_thread(PyObject* context, Body&& body) {
#if PY_VERSION_HEX >= 0x030D0000
    if (Py_IsFinalizing()) return;
#else
    if (_Py_IsFinalizing()) return;
#endif
    py::gil_scoped_acquire gil;
    try {
        body();
    } catch (py::error_already_set& e) {
        e.discard_as_unraisable(py::reinterpret_borrow<py::object>(context));
    } catch (const std::exception& e) {
        PyErr_SetString(PyExc_RuntimeError, e.what());
        PyErr_WriteUnraisable(context);
    }
}

// Entry metadata as a dict the Python layer turns into EntryInfo.
py::dict entry_dict(const soulbox_entry* entry);
py::list entry_list(const soulbox_entry_list* list);

void bind_sandbox(py::module_& m);
void bind_process(py::module_& m);
void bind_files(py::module_& m);
void bind_watch(py::module_& m);

// The sandbox handle wrapper, shared by the command, terminal and file bindings.
class Sandbox {
public:
    explicit Sandbox(soulbox_sandbox* handle);
    ~Sandbox();
    Sandbox(const Sandbox&) = delete;
    Sandbox& operator=(const Sandbox&) = delete;

    soulbox_sandbox* get() const { return handle_; }
    const std::string& id() const { return id_; }

private:
    soulbox_sandbox* handle_;
    std::string id_;
};

} // namespace soulbox_py
