// soulbox::Error -> Python exceptions: the one translation. The classes live in
// soulbox/exceptions.py; _from_core there picks the class from the code and the subject.
#include "core.hpp"

#include <string>

namespace soulbox_py {

void register_errors(py::module_& m) {
    m.def(
        "errc_name",
        [](int code) { return std::string(soulbox::errc_name(static_cast<soulbox::Errc>(code))); },
        "The name of an error code (\"not found\", ...).");
    py::register_exception_translator([](std::exception_ptr raised) {
        if (!raised) return;
        try {
            std::rethrow_exception(raised);
        } catch (const soulbox::Error& e) {
            try {
                py::object make = py::module_::import("soulbox.exceptions").attr("_from_core");
                py::object exc = make(static_cast<int>(e.code), e.sys_errno, e.message,
                                      static_cast<int>(e.subject));
                PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(exc.ptr())), exc.ptr());
            } catch (py::error_already_set& failed) {
                // soulbox.exceptions could not build the exception: raise why instead.
                failed.restore();
            }
        }
    });
}

} // namespace soulbox_py
