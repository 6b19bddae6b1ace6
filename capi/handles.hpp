// The C handle and result types: each wraps the C++ object it stands for. Shared by the
// capi/*.cpp files; never exported (the header declares them only as incomplete types).
#pragma once

#include "common.hpp"
#include "runtime/runtime.hpp"

#include <memory>
#include <string>
#include <utility>
#include <vector>

struct soulbox_runtime {
    std::shared_ptr<soulbox::Runtime> runtime;
};

struct soulbox_sandbox {
    // Constructed in place and never moved: Commands, Filesystem and Pty point back at it.
    soulbox::Sandbox sandbox;
};

struct soulbox_process {
    soulbox::CommandHandle handle;
    std::shared_ptr<soulbox::capi::CallbackGate> gate;
};

struct soulbox_command_result {
    soulbox::CommandResult result;
};

struct soulbox_watch {
    soulbox::WatchHandle handle;
    std::shared_ptr<soulbox::capi::CallbackGate> gate;
};

struct soulbox_entry {
    soulbox::EntryInfo info;
};

struct soulbox_entry_list {
    std::vector<soulbox_entry> entries;
};

struct soulbox_event_list {
    std::vector<soulbox::FilesystemEvent> events;
};

// Map entries in a vector, so accessors can index them.
using KeyValues = std::vector<std::pair<std::string, std::string>>;

struct soulbox_sandbox_info {
    soulbox::SandboxInfo info;
    KeyValues metadata;
};

struct soulbox_sandbox_info_list {
    std::vector<soulbox_sandbox_info> items;
};

struct soulbox_process_info {
    soulbox::ProcessInfo info;
    KeyValues envs;
};

struct soulbox_process_info_list {
    std::vector<soulbox_process_info> items;
};

namespace soulbox::capi {

// Borrowed element `index` of a vector, or NULL when out of range (or no vector).
template <class List, class Item>
const Item* element(const List* list, std::vector<Item> List::*items, std::size_t index) noexcept {
    if (!list || index >= (list->*items).size()) return nullptr;
    return &(list->*items)[index];
}

// FileOptions from the C struct (NULL: defaults); used by files and watches.
FileOptions file_options(const soulbox_file_options* given);

// The runtime a call names; null (the default runtime) for NULL.
inline std::shared_ptr<Runtime> runtime_of(const soulbox_runtime* runtime) {
    return runtime ? runtime->runtime : nullptr;
}

// Hands a new C object to the caller; bad_alloc reaches the guard.
template <class T, class... Args> T* make(Args&&... args) {
    return new T{std::forward<Args>(args)...};
}

} // namespace soulbox::capi
