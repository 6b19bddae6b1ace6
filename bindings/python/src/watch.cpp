// Directory watches: the Watch wrapper owns a soulbox::WatchHandle, whose event callback calls
// a Python callable.
#include "core.hpp"

#include <pybind11/stl.h>

#include <mutex>
#include <set>

namespace soulbox_py {

namespace {

class Watch;
// Live watches, for interpreter exit. Locked only with the GIL released (see process.cpp).
std::mutex registry_mutex;
std::set<Watch*> registry;

class Watch {
public:
    explicit Watch(soulbox::WatchHandle handle) : handle_(std::move(handle)) {
        without_gil([&] {
            std::lock_guard lock(registry_mutex);
            registry.insert(this);
        });
    }
    ~Watch() { // with the GIL released (Held<Watch>); handle_ stops before its callback goes
        std::lock_guard lock(registry_mutex);
        registry.erase(this);
    }
    Watch(const Watch&) = delete;
    Watch& operator=(const Watch&) = delete;

    // [(type, name)] since the last call.
    py::list get_new_events() {
        auto events = without_gil([&] { return handle_.get_new_events(); });
        py::list out;
        for (const auto& event : events)
            out.append(py::make_tuple(static_cast<int>(event.type), event.name));
        return out;
    }

    void stop() {
        unwrap(without_gil([&] { return handle_.stop(); }));
    }

    static void stop_everything() {
        without_gil([] {
            std::lock_guard lock(registry_mutex);
            for (Watch* watch : registry)
                (void)watch->handle_.stop();
        });
    }

private:
    soulbox::WatchHandle handle_;
};

// An EventCallback that calls fn(type: int, name: str); empty (no callback) for None.
soulbox::EventCallback event_callback(py::object fn) {
    if (fn.is_none()) return {};
    auto callable = std::make_shared<const PyCallable>(std::move(fn));
    return [callable](const soulbox::FilesystemEvent& event) {
        callable->call_from_library(
            [&] { return std::make_tuple(static_cast<int>(event.type), py::str(event.name)); });
    };
}

} // namespace

void stop_all_watches() {
    Watch::stop_everything();
}

void bind_watch(py::module_& m) {
    py::class_<Watch, Held<Watch>>(m, "Watch", "A directory watch (soulbox::WatchHandle).")
        .def("get_new_events", &Watch::get_new_events)
        .def("stop", &Watch::stop);
    m.def(
        "files_watch_dir",
        [](soulbox::Sandbox& sbx, const std::string& path, bool recursive, py::object on_event,
           const std::string& user) {
            auto callback = event_callback(std::move(on_event));
            soulbox::FileOptions options{user};
            return held<Watch>(unwrap(without_gil([&] {
                return sbx.files().watch_dir(path, recursive, std::move(callback), options);
            })));
        },
        py::arg("sandbox"), py::arg("path"), py::arg("recursive"), py::arg("on_event"),
        py::arg("user"));
}

} // namespace soulbox_py
