// soulbox._core: the private extension under the pure-Python soulbox package.
#include "core.hpp"
#include "process.hpp"

namespace soulbox_py {
void stop_all_watches();
} // namespace soulbox_py

PYBIND11_MODULE(_core, m) {
    using namespace soulbox_py;
    m.doc() = "Private native layer of the soulbox package; use `soulbox` instead.";
    if (soulbox_version_check(SOULBOX_VERSION_MAJOR, SOULBOX_VERSION_MINOR) != SOULBOX_OK)
        throw py::import_error("libsoulbox does not provide the API this module was built for");
    m.attr("version") = soulbox_version();
    register_errors(m);
    bind_sandbox(m);
    bind_process(m);
    bind_files(m);
    bind_watch(m);
    // Registered with atexit by the package: stops every callback while the interpreter is
    // still whole (a callback that started during finalization could not take the GIL).
    m.def("shutdown", [] {
        Process::disconnect_everything();
        stop_all_watches();
    });
}
