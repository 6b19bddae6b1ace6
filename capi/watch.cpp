// soulbox_files_watch_dir and soulbox_watch_*: directory watches.
#include "handles.hpp"

using namespace soulbox;
using namespace soulbox::capi;

static_assert(static_cast<int>(FilesystemEventType::create) == SOULBOX_EVENT_CREATE &&
              static_cast<int>(FilesystemEventType::write) == SOULBOX_EVENT_WRITE &&
              static_cast<int>(FilesystemEventType::remove) == SOULBOX_EVENT_REMOVE &&
              static_cast<int>(FilesystemEventType::rename) == SOULBOX_EVENT_RENAME &&
              static_cast<int>(FilesystemEventType::chmod) == SOULBOX_EVENT_CHMOD);

extern "C" {

int soulbox_files_watch_dir(soulbox_watch** out, soulbox_sandbox* sbx, const char* path,
                            int recursive, soulbox_event_fn on_event, void* user_data,
                            const soulbox_file_options* opts, soulbox_error** err) {
    return guard(err, [&] {
        auto& slot = out_param(out, "out");
        auto& files = need(sbx, "sbx").sandbox.files();
        auto gate = std::make_shared<CallbackGate>();
        EventCallback callback;
        if (on_event)
            callback = [gate, on_event, user_data](const FilesystemEvent& event) {
                gate->pass([&] {
                    on_event(static_cast<soulbox_event_type>(event.type), event.name.c_str(),
                             user_data);
                });
            };
        auto handle = unwrap(files.watch_dir(text(path, "path"), recursive != 0,
                                             std::move(callback), file_options(opts)));
        slot = make<soulbox_watch>(std::move(handle), gate);
    });
}

int soulbox_watch_get_new_events(soulbox_event_list** out, soulbox_watch* watch,
                                 soulbox_error** err) {
    return guard(err, [&] {
        auto& slot = out_param(out, "out");
        slot = make<soulbox_event_list>(need(watch, "watch").handle.get_new_events());
    });
}

int soulbox_watch_stop(soulbox_watch* watch, soulbox_error** err) {
    return guard(err, [&] {
        auto& w = need(watch, "watch");
        w.gate->close();
        unwrap(w.handle.stop());
    });
}

void soulbox_watch_free(soulbox_watch* watch) {
    if (!watch) return;
    watch->gate->close();
    delete watch; // ~WatchHandle stops the watch
}

void soulbox_event_list_free(soulbox_event_list* list) {
    delete list;
}

size_t soulbox_event_list_count(const soulbox_event_list* list) {
    return list ? list->events.size() : 0;
}

soulbox_event_type soulbox_event_list_type(const soulbox_event_list* list, size_t index) {
    auto* event = element(list, &soulbox_event_list::events, index);
    return event ? static_cast<soulbox_event_type>(event->type) : SOULBOX_EVENT_CREATE;
}

const char* soulbox_event_list_name(const soulbox_event_list* list, size_t index) {
    auto* event = element(list, &soulbox_event_list::events, index);
    return event ? event->name.c_str() : nullptr;
}

} // extern "C"
