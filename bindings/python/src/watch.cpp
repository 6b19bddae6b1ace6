// Directory watches: the Watch wrapper owns the soulbox_watch handle and the Python callable
// its event callback calls.
#include "core.hpp"

#include <pybind11/stl.h>

#include <mutex>
#include <set>

namespace soulbox_py {

namespace {

using EventListPtr = Owned<soulbox_event_list, soulbox_event_list_free>;

class Watch;
// Live watches, for interpreter exit. Locked only with the GIL released (see process.cpp).
std::mutex registry_mutex;
std::set<Watch*> registry;

class Watch {
public:
    explicit Watch(py::object on_event) : on_event_(std::move(on_event)) {}
    ~Watch() {
        without_gil([&] {
            {
                std::lock_guard lock(registry_mutex);
                registry.erase(this);
            }
            // on_event has stopped when this returns; on_event_ may go after it.
            soulbox_watch_free(handle_);
        });
    }
    Watch(const Watch&) = delete;
    Watch& operator=(const Watch&) = delete;

    // Second step of construction: the C callback's user_data is this object.
    void start(Sandbox& sbx, const std::string& path, bool recursive, const std::string& user) {
        std::string checked_path = text(path, "path");
        std::string checked_user = text(user, "user");
        soulbox_file_options opts;
        soulbox_file_options_init(&opts);
        opts.user = checked_user.c_str();
        soulbox_error* err = nullptr;
        int status = without_gil([&] {
            return soulbox_files_watch_dir(
                &handle_, sbx.get(), checked_path.c_str(), recursive ? 1 : 0,
                on_event_.is_none() ? nullptr : &Watch::deliver, this, &opts, &err);
        });
        check(status, err);
        without_gil([&] {
            std::lock_guard lock(registry_mutex);
            registry.insert(this);
        });
    }

    // [(type, name)] since the last call.
    py::list get_new_events() {
        soulbox_event_list* raw = nullptr;
        soulbox_error* err = nullptr;
        int status = without_gil([&] { return soulbox_watch_get_new_events(&raw, handle_, &err); });
        check(status, err);
        EventListPtr events(raw);
        py::list out;
        for (size_t i = 0; i < soulbox_event_list_count(events.get()); ++i)
            out.append(py::make_tuple(static_cast<int>(soulbox_event_list_type(events.get(), i)),
                                      py::str(soulbox_event_list_name(events.get(), i))));
        return out;
    }

    void stop() {
        soulbox_error* err = nullptr;
        int status = without_gil([&] { return soulbox_watch_stop(handle_, &err); });
        check(status, err);
    }

    static void stop_everything() {
        without_gil([] {
            std::lock_guard lock(registry_mutex);
            for (Watch* watch : registry)
                soulbox_watch_stop(watch->handle_, nullptr);
        });
    }

private:
    static void deliver(soulbox_event_type type, const char* name, void* user_data) {
        const py::object& fn = static_cast<Watch*>(user_data)->on_event_;
        from_library_thread(fn.ptr(), [&] { fn(static_cast<int>(type), py::str(name)); });
    }

    py::object on_event_;
    soulbox_watch* handle_ = nullptr;
};

} // namespace

void stop_all_watches() {
    Watch::stop_everything();
}

void bind_watch(py::module_& m) {
    py::class_<Watch>(m, "Watch", "A directory watch (soulbox_watch).")
        .def("get_new_events", &Watch::get_new_events)
        .def("stop", &Watch::stop);
    m.def(
        "files_watch_dir",
        [](Sandbox& sbx, const std::string& path, bool recursive, py::object on_event,
           const std::string& user) {
            auto watch = std::make_unique<Watch>(std::move(on_event));
            watch->start(sbx, path, recursive, user);
            return watch;
        },
        py::arg("sandbox"), py::arg("path"), py::arg("recursive"), py::arg("on_event"),
        py::arg("user"));
}

} // namespace soulbox_py
