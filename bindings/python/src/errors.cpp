// C errors -> Python exceptions. The classes live in soulbox/exceptions.py; _from_core there
// picks the class from the code and the subject.
#include "core.hpp"

namespace soulbox_py {

CoreError core_error(int status, const soulbox_error* err) {
    return {status, soulbox_error_errno(err),
            err ? soulbox_error_message(err) : soulbox_errc_name(status),
            soulbox_error_subject(err)};
}

void check(int status, soulbox_error* err) {
    ErrorPtr owned(err);
    if (status != SOULBOX_OK) throw core_error(status, err);
}

std::string text(std::string value, const char* what) {
    if (value.find('\0') != std::string::npos)
        throw py::value_error(std::string(what) + " must not contain NUL characters");
    return value;
}

KvArray::KvArray(const std::map<std::string, std::string>& map, const char* what) {
    strings_.reserve(map.size());
    for (const auto& [key, value] : map)
        strings_.emplace_back(text(key, what), text(value, what));
    // The strings are in place now (reserve: no reallocation), so their pointers are stable.
    kv_.reserve(strings_.size());
    for (const auto& [key, value] : strings_)
        kv_.push_back({key.c_str(), value.c_str()});
}

void register_errors(py::module_& m) {
    m.def("errc_name", &soulbox_errc_name, "The C name of an error code (\"not found\", ...).");
    py::register_exception_translator([](std::exception_ptr raised) {
        if (!raised) return;
        try {
            std::rethrow_exception(raised);
        } catch (const CoreError& e) {
            try {
                py::object make = py::module_::import("soulbox.exceptions").attr("_from_core");
                py::object exc = make(e.code, e.sys_errno, e.message, e.subject);
                PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(exc.ptr())), exc.ptr());
            } catch (py::error_already_set& failed) {
                // soulbox.exceptions could not build the exception: raise why instead.
                failed.restore();
            }
        }
    });
}

} // namespace soulbox_py
