// Commands and terminals: start, connect, list, signal and type into processes by pid.
#include "process.hpp"

#include <pybind11/stl.h>

#include <csignal>

namespace soulbox_py {

namespace {

using ProcessInfoListPtr = Owned<soulbox_process_info_list, soulbox_process_info_list_free>;

std::unique_ptr<OutputCallbacks> callbacks(py::object on_stdout, py::object on_stderr) {
    return std::make_unique<OutputCallbacks>(
        OutputCallbacks{std::move(on_stdout), std::move(on_stderr)});
}

std::unique_ptr<Process> start(Sandbox& sbx, const std::string& cmd,
                               const std::map<std::string, std::string>& envs,
                               const std::string& user, const std::string& cwd, int64_t timeout_ms,
                               py::object on_stdout, py::object on_stderr, bool stdin_open,
                               const std::string& tag) {
    std::string checked_cmd = text(cmd, "cmd");
    std::string checked_user = text(user, "user");
    std::string checked_cwd = text(cwd, "cwd");
    std::string checked_tag = text(tag, "tag");
    KvArray env_array(envs, "envs");
    auto cbs = callbacks(std::move(on_stdout), std::move(on_stderr));
    soulbox_run_options opts;
    soulbox_run_options_init(&opts);
    opts.envs = env_array.data();
    opts.envs_count = env_array.size();
    opts.cwd = or_null(checked_cwd);
    opts.user = checked_user.c_str();
    opts.timeout_ms = timeout_ms;
    opts.on_stdout = cbs->on_stdout.is_none() ? nullptr : forward_stdout;
    opts.on_stderr = cbs->on_stderr.is_none() ? nullptr : forward_stderr;
    opts.user_data = cbs.get();
    opts.stdin_open = stdin_open ? 1 : 0;
    opts.tag = or_null(checked_tag);
    soulbox_process* handle = nullptr;
    soulbox_error* err = nullptr;
    int status = without_gil([&] {
        return soulbox_commands_start(&handle, sbx.get(), checked_cmd.c_str(), &opts, &err);
    });
    check(status, err);
    return std::make_unique<Process>(handle, std::move(cbs), sbx.id());
}

std::unique_ptr<Process> connect(Sandbox& sbx, int pid, py::object on_stdout,
                                 py::object on_stderr) {
    Process::disconnect_all(sbx.id(), pid);
    auto cbs = callbacks(std::move(on_stdout), std::move(on_stderr));
    soulbox_process* handle = nullptr;
    soulbox_error* err = nullptr;
    int status = without_gil([&] {
        return soulbox_commands_connect(
            &handle, sbx.get(), pid, cbs->on_stdout.is_none() ? nullptr : forward_stdout,
            cbs->on_stderr.is_none() ? nullptr : forward_stderr, cbs.get(), &err);
    });
    check(status, err);
    return std::make_unique<Process>(handle, std::move(cbs), sbx.id());
}

py::list list(Sandbox& sbx) {
    soulbox_process_info_list* raw = nullptr;
    soulbox_error* err = nullptr;
    int status = without_gil([&] { return soulbox_commands_list(&raw, sbx.get(), &err); });
    check(status, err);
    ProcessInfoListPtr infos(raw);
    py::list out;
    for (size_t i = 0; i < soulbox_process_info_list_count(infos.get()); ++i) {
        const soulbox_process_info* info = soulbox_process_info_list_get(infos.get(), i);
        py::list args;
        for (size_t a = 0; a < soulbox_process_info_arg_count(info); ++a)
            args.append(py::str(soulbox_process_info_arg(info, a)));
        py::dict envs;
        for (size_t e = 0; e < soulbox_process_info_env_count(info); ++e)
            envs[py::str(soulbox_process_info_env_key(info, e))] =
                py::str(soulbox_process_info_env_value(info, e));
        py::dict d;
        d["pid"] = soulbox_process_info_pid(info);
        d["tag"] = soulbox_process_info_tag(info);
        d["cmd"] = soulbox_process_info_cmd(info);
        d["args"] = args;
        d["envs"] = envs;
        d["cwd"] = soulbox_process_info_cwd(info);
        out.append(d);
    }
    return out;
}

// kill-by-pid functions return False for a process that is already gone, as E2B does.
template <class Call> bool signalled(Call&& call) {
    soulbox_error* err = nullptr;
    int status = without_gil([&] { return call(&err); });
    if (status == SOULBOX_ERR_NOT_FOUND || status == SOULBOX_ERR_NOT_RUNNING) {
        soulbox_error_free(err);
        return false;
    }
    check(status, err);
    return true;
}

void send_stdin(Sandbox& sbx, int pid, const std::string& data) {
    soulbox_error* err = nullptr;
    int status = without_gil([&] {
        return soulbox_commands_send_stdin(sbx.get(), pid, data.data(), data.size(), &err);
    });
    check(status, err);
}

std::unique_ptr<Process> pty_create(Sandbox& sbx, uint16_t rows, uint16_t cols,
                                    const std::string& user, const std::string& cwd,
                                    const std::map<std::string, std::string>& envs,
                                    int64_t timeout_ms, py::object on_data) {
    std::string checked_user = text(user, "user");
    std::string checked_cwd = text(cwd, "cwd");
    KvArray env_array(envs, "envs");
    auto cbs = callbacks(std::move(on_data), py::none());
    soulbox_pty_options opts;
    soulbox_pty_options_init(&opts);
    opts.rows = rows;
    opts.cols = cols;
    opts.cwd = or_null(checked_cwd);
    opts.user = checked_user.c_str();
    opts.envs = env_array.data();
    opts.envs_count = env_array.size();
    opts.timeout_ms = timeout_ms;
    opts.on_data = cbs->on_stdout.is_none() ? nullptr : forward_stdout;
    opts.user_data = cbs.get();
    soulbox_process* handle = nullptr;
    soulbox_error* err = nullptr;
    int status = without_gil([&] { return soulbox_pty_create(&handle, sbx.get(), &opts, &err); });
    check(status, err);
    return std::make_unique<Process>(handle, std::move(cbs), sbx.id());
}

std::unique_ptr<Process> pty_connect(Sandbox& sbx, int pid, py::object on_data) {
    Process::disconnect_all(sbx.id(), pid);
    auto cbs = callbacks(std::move(on_data), py::none());
    soulbox_process* handle = nullptr;
    soulbox_error* err = nullptr;
    int status = without_gil([&] {
        return soulbox_pty_connect(&handle, sbx.get(), pid,
                                   cbs->on_stdout.is_none() ? nullptr : forward_stdout, cbs.get(),
                                   &err);
    });
    check(status, err);
    return std::make_unique<Process>(handle, std::move(cbs), sbx.id());
}

void pty_send_stdin(Sandbox& sbx, int pid, const std::string& data) {
    soulbox_error* err = nullptr;
    int status = without_gil(
        [&] { return soulbox_pty_send_stdin(sbx.get(), pid, data.data(), data.size(), &err); });
    check(status, err);
}

void pty_resize(Sandbox& sbx, int pid, uint16_t rows, uint16_t cols) {
    soulbox_error* err = nullptr;
    int status = without_gil([&] { return soulbox_pty_resize(sbx.get(), pid, rows, cols, &err); });
    check(status, err);
}

} // namespace

void bind_process(py::module_& m) {
    py::class_<Process>(m, "Process", "A handle on a command or terminal (soulbox_process).")
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
        [](Sandbox& sbx, const std::string& cmd, const std::map<std::string, std::string>& envs,
           const std::string& user, const std::string& cwd, int64_t timeout_ms,
           py::object on_stdout, py::object on_stderr, bool stdin_open, const std::string& tag) {
            return start(sbx, cmd, envs, user, cwd, timeout_ms, std::move(on_stdout),
                         std::move(on_stderr), stdin_open, tag)
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
            return signalled([&](soulbox_error** err) {
                return soulbox_commands_kill(sbx.get(), pid, signal, err);
            });
        },
        py::arg("sandbox"), py::arg("pid"), py::arg("signal") = SIGKILL);
    m.def("commands_send_stdin", &send_stdin, py::arg("sandbox"), py::arg("pid"), py::arg("data"));
    m.def("pty_create", &pty_create, py::arg("sandbox"), py::arg("rows"), py::arg("cols"),
          py::arg("user"), py::arg("cwd"), py::arg("envs"), py::arg("timeout_ms"),
          py::arg("on_data"));
    m.def("pty_connect", &pty_connect, py::arg("sandbox"), py::arg("pid"), py::arg("on_data"));
    m.def("pty_send_stdin", &pty_send_stdin, py::arg("sandbox"), py::arg("pid"), py::arg("data"));
    m.def("pty_resize", &pty_resize, py::arg("sandbox"), py::arg("pid"), py::arg("rows"),
          py::arg("cols"));
    m.def(
        "pty_kill",
        [](Sandbox& sbx, int pid) {
            return signalled(
                [&](soulbox_error** err) { return soulbox_pty_kill(sbx.get(), pid, err); });
        },
        py::arg("sandbox"), py::arg("pid"));
}

} // namespace soulbox_py
