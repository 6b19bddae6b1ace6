// Shared pieces of the soulbox._core extension, which sits on the public header-only C++ API
// (soulbox/soulbox.hpp): errors as Python exceptions, GIL rules, and Python callables held by
// the API's std::function callbacks.
#pragma once

#include <soulbox/soulbox.hpp>

#include <pybind11/pybind11.h>

#include <chrono>
#include <cstdint>
#include <exception>
#include <memory>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

namespace soulbox_py {

namespace py = pybind11;

// The value of a Result, or its soulbox::Error thrown; the translator registered in errors.cpp
// turns that into a soulbox.exceptions class (from the code and the subject). Touches no Python
// object, so it may run with the GIL held or released.
template <class T> T unwrap(soulbox::Result<T> result) {
    if (!result) throw std::move(result.error());
    if constexpr (!std::is_void_v<T>) return std::move(*result);
}

// kill() calls return False for a target that had already ended, as E2B's do.
inline bool killed(soulbox::Status status) {
    if (!status && (status.error().code == soulbox::Errc::not_found ||
                    status.error().code == soulbox::Errc::not_running))
        return false;
    unwrap(std::move(status));
    return true;
}

// Registers the soulbox::Error translator.
void register_errors(py::module_& m);

// Runs fn with the GIL released: every call that can block or wait for callbacks goes through
// here, so a library thread can always take the GIL to run a callback.
template <class Fn> decltype(auto) without_gil(Fn&& fn) {
    py::gil_scoped_release nogil;
    return std::forward<Fn>(fn)();
}

// Holder of the extension's classes: freeing one may wait for its callbacks to stop, and they
// need the GIL, so the object is destroyed with the GIL released.
template <class T> struct DeleteWithoutGil {
    void operator()(T* object) const {
        py::gil_scoped_release nogil;
        delete object;
    }
};
template <class T> using Held = std::unique_ptr<T, DeleteWithoutGil<T>>;
template <class T, class... Args> Held<T> held(Args&&... args) {
    return Held<T>(new T(std::forward<Args>(args)...));
}

inline bool interpreter_finalizing() {
#if PY_VERSION_HEX >= 0x030D0000
    return Py_IsFinalizing();
#else
    return _Py_IsFinalizing();
#endif
}

// A Python callable inside a C++ callback (std::function), which the library calls, and may
// destroy, on its own threads: the reference is only touched with the GIL held.
class PyCallable {
public:
    explicit PyCallable(py::object fn) : fn_(std::move(fn)) {}
    ~PyCallable() {
        // Taking the GIL while the interpreter shuts down would end this thread: leak instead.
        if (interpreter_finalizing()) {
            fn_.release();
            return;
        }
        py::gil_scoped_acquire gil;
        fn_ = py::object();
    }
    PyCallable(const PyCallable&) = delete;
    PyCallable& operator=(const PyCallable&) = delete;

    // Calls fn(make_args()...) from a library thread: takes the GIL, reports an exception as
    // unraisable (it cannot cross the library), and does nothing once the interpreter is
    // shutting down.
    template <class MakeArgs> void call_from_library(MakeArgs&& make_args) const {
        if (interpreter_finalizing()) return;
        py::gil_scoped_acquire gil;
        try {
            std::apply(fn_, make_args());
        } catch (py::error_already_set& e) {
            e.discard_as_unraisable(fn_);
        } catch (const std::exception& e) {
            PyErr_SetString(PyExc_RuntimeError, e.what());
            PyErr_WriteUnraisable(fn_.ptr());
        }
    }

private:
    py::object fn_;
};

// An OutputCallback that calls fn(chunk: bytes); empty (no callback) for None.
inline soulbox::OutputCallback output_callback(py::object fn) {
    if (fn.is_none()) return {};
    auto callable = std::make_shared<const PyCallable>(std::move(fn));
    return [callable](std::string_view chunk) {
        callable->call_from_library(
            [&] { return std::make_tuple(py::bytes(chunk.data(), chunk.size())); });
    };
}

// Milliseconds since the Unix epoch, as the Python layer takes times.
inline std::int64_t unix_ms(soulbox::Clock::time_point time) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
}

void bind_sandbox(py::module_& m);
void bind_process(py::module_& m);
void bind_files(py::module_& m);
void bind_watch(py::module_& m);

} // namespace soulbox_py
