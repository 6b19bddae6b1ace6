// Commands and terminals: start, connect, list, signal and type into processes by pid, on
// soulbox::Commands and soulbox::Pty.
#include "process.hpp"

#include <pybind11/stl.h>

#include <csignal>

namespace soulbox_py {

namespace {

using soulbox::Sandbox;

Held<Process> adopt(Sandbox& sbx, soulbox::Result<soulbox::CommandHandle> handle) {
    return held<Process>(unwrap(std::move(handle)), sbx.id());
}

Held<Process> start(Sandbox& sbx, const std::string& cmd, soulbox::StringMap envs, std::string user,
                    std::string cwd, int64_t timeout_ms, py::object on_stdout, py::object on_stderr,
                    bool stdin_open, std::string tag) {
    soulbox::RunOptions options;
    options.envs = std::move(envs);
    options.user = std::move(user);
    options.cwd = std::move(cwd);
    options.timeout = std::chrono::milliseconds(timeout_ms);
    options.on_stdout = output_callback(std::move(on_stdout));
    options.on_stderr = output_callback(std::move(on_stderr));
    options.stdin = stdin_open;
    options.tag = std::move(tag);
    return adopt(sbx, without_gil([&] { return sbx.commands().start(cmd, std::move(options)); }));
}

Held<Process> connect(Sandbox& sbx, int pid, py::object on_stdout, py::object on_stderr) {
    Process::disconnect_all(sbx.id(), pid);
    auto out = output_callback(std::move(on_stdout));
    auto err = output_callback(std::move(on_stderr));
    return adopt(sbx, without_gil([&] {
                     return sbx.commands().connect(pid, std::move(out), std::move(err));
                 }));
}

py::list list(Sandbox& sbx) {
    auto infos = unwrap(without_gil([&] { return sbx.commands().list(); }));
    py::list out;
    for (const auto& info : infos) {
        py::dict d;
        d["pid"] = info.pid;
        d["tag"] = info.tag;
        d["cmd"] = info.cmd;
        d["args"] = info.args;
        d["envs"] = info.envs;
        d["cwd"] = info.cwd;
        out.append(d);
    }
    return out;
}

Held<Process> pty_create(Sandbox& sbx, uint16_t rows, uint16_t cols, std::string user,
                         std::string cwd, soulbox::StringMap envs, int64_t timeout_ms,
                         py::object on_data) {
    soulbox::PtyOptions options;
    options.size = {rows, cols};
    options.user = std::move(user);
    options.cwd = std::move(cwd);
    options.envs = std::move(envs);
    options.timeout = std::chrono::milliseconds(timeout_ms);
    options.on_data = output_callback(std::move(on_data));
    return adopt(sbx, without_gil([&] { return sbx.pty().create(std::move(options)); }));
}

Held<Process> pty_connect(Sandbox& sbx, int pid, py::object on_data) {
    Process::disconnect_all(sbx.id(), pid);
    auto data = output_callback(std::move(on_data));
    return adopt(sbx, without_gil([&] { return sbx.pty().connect(pid, std::move(data)); }));
}

} // namespace

void bind_process(py::module_& m) {
    py::class_<Process, Held<Process>>(
        m, "Process", "A handle on a command or terminal (soulbox::CommandHandle).")
        .def_property_readonly("pid", &Process::pid)
        .def("wait", &Process::wait, py::arg("kill_on_interrupt"))
        .def("poll", &Process::poll, py::arg("timeout_seconds"))
        .def("kill", &Process::kill, py::arg("signal") = SIGKILL)
        .def("send_stdin", &Process::send_stdin, py::arg("data"))
        .def("close_stdin", &Process::close_stdin)
        .def("disconnect", &Process::disconnect);

    m.def("commands_start", &start, py::arg("sandbox"), py::arg("cmd"), py::arg("envs"),
          py::arg("user"), py::arg("cwd"), py::arg("timeout_ms"), py::arg("on_stdout"),
          py::arg("on_stderr"), py::arg("stdin"), py::arg("tag"));
    // Foreground run: start and wait in one call, so no Python code (where a pending Ctrl-C
    // would be raised) runs between them and an interrupted command is always killed.
    m.def(
        "commands_run",
        [](Sandbox& sbx, const std::string& cmd, soulbox::StringMap envs, std::string user,
           std::string cwd, int64_t timeout_ms, py::object on_stdout, py::object on_stderr,
           bool stdin_open, std::string tag) {
            return start(sbx, cmd, std::move(envs), std::move(user), std::move(cwd), timeout_ms,
                         std::move(on_stdout), std::move(on_stderr), stdin_open, std::move(tag))
                ->wait(true);
        },
        py::arg("sandbox"), py::arg("cmd"), py::arg("envs"), py::arg("user"), py::arg("cwd"),
        py::arg("timeout_ms"), py::arg("on_stdout"), py::arg("on_stderr"), py::arg("stdin"),
        py::arg("tag"));
    m.def("commands_connect", &connect, py::arg("sandbox"), py::arg("pid"), py::arg("on_stdout"),
          py::arg("on_stderr"));
    m.def("commands_list", &list, py::arg("sandbox"));
    m.def(
        "commands_kill",
        [](Sandbox& sbx, int pid, int signal) {
            return killed(without_gil([&] { return sbx.commands().kill(pid, signal); }));
        },
        py::arg("sandbox"), py::arg("pid"), py::arg("signal") = SIGKILL);
    m.def(
        "commands_send_stdin",
        [](Sandbox& sbx, int pid, const std::string& data) {
            unwrap(without_gil([&] { return sbx.commands().send_stdin(pid, data); }));
        },
        py::arg("sandbox"), py::arg("pid"), py::arg("data"));
    m.def("pty_create", &pty_create, py::arg("sandbox"), py::arg("rows"), py::arg("cols"),
          py::arg("user"), py::arg("cwd"), py::arg("envs"), py::arg("timeout_ms"),
          py::arg("on_data"));
    m.def("pty_connect", &pty_connect, py::arg("sandbox"), py::arg("pid"), py::arg("on_data"));
    m.def(
        "pty_send_stdin",
        [](Sandbox& sbx, int pid, const std::string& data) {
            unwrap(without_gil([&] { return sbx.pty().send_stdin(pid, data); }));
        },
        py::arg("sandbox"), py::arg("pid"), py::arg("data"));
    m.def(
        "pty_resize",
        [](Sandbox& sbx, int pid, uint16_t rows, uint16_t cols) {
            unwrap(without_gil([&] { return sbx.pty().resize(pid, {rows, cols}); }));
        },
        py::arg("sandbox"), py::arg("pid"), py::arg("rows"), py::arg("cols"));
    m.def(
        "pty_kill",
        [](Sandbox& sbx, int pid) {
            return killed(without_gil([&] { return sbx.pty().kill(pid); }));
        },
        py::arg("sandbox"), py::arg("pid"));
}

} // namespace soulbox_py
