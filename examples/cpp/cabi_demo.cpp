// SoulBox from C++ straight through the C ABI (libsoulbox.so.0): the C functions, with owning
// handles in std::unique_ptr, for a program that wants no C++ layer between it and the ABI (its
// own wrappers, a compiler without C++23); soulbox.hpp (demo.cpp) is that layer, ready-made.
#include <soulbox/soulbox.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace {

// One deleter per C type: each object is freed by its own _free function.
template <class T, void (*Free)(T*)> struct Deleter {
    void operator()(T* p) const { Free(p); }
};
using Sandbox = std::unique_ptr<soulbox_sandbox, Deleter<soulbox_sandbox, soulbox_sandbox_free>>;
using Result = std::unique_ptr<soulbox_command_result,
                               Deleter<soulbox_command_result, soulbox_command_result_free>>;
using Entries =
    std::unique_ptr<soulbox_entry_list, Deleter<soulbox_entry_list, soulbox_entry_list_free>>;
using ErrorPtr = std::unique_ptr<soulbox_error, Deleter<soulbox_error, soulbox_error_free>>;
using Process = std::unique_ptr<soulbox_process, Deleter<soulbox_process, soulbox_process_free>>;
using Bytes = std::unique_ptr<void, Deleter<void, soulbox_free>>;

// Output callbacks run on the library's event-loop thread: append under a lock.
struct Collected {
    std::mutex mutex;
    std::string text;
    static void append(const char* data, std::size_t len, void* self) {
        auto* c = static_cast<Collected*>(self);
        std::lock_guard lock(c->mutex);
        c->text.append(data, len);
    }
};

// Turns a status into a message (empty on success).
struct Check {
    std::string what;
    soulbox_error* err = nullptr;
    bool operator()(int status) {
        ErrorPtr owned(err);
        if (status == SOULBOX_OK) return true;
        std::fprintf(stderr, "%s: %s\n", what.c_str(), soulbox_error_message(owned.get()));
        return false;
    }
};

} // namespace

int main() {
    if (soulbox_version_check(SOULBOX_VERSION_MAJOR, SOULBOX_VERSION_MINOR) != SOULBOX_OK) {
        std::fprintf(stderr, "libsoulbox %s is too old\n", soulbox_version());
        return 1;
    }
    soulbox_sandbox* raw = nullptr;
    Check create{"create"};
    if (!create(soulbox_sandbox_create(&raw, nullptr, &create.err))) return 1;
    Sandbox sbx(raw);

    // argv form: no shell involved; output streams to a callback as it arrives.
    const char* argv[] = {"sh", "-c", "mkdir -p out && seq 1 5 > out/n.txt && wc -l < out/n.txt"};
    Collected streamed;
    soulbox_run_options run_opts;
    soulbox_run_options_init(&run_opts);
    run_opts.on_stdout = Collected::append;
    run_opts.user_data = &streamed;
    soulbox_command_result* res_raw = nullptr;
    Check run{"run"};
    if (!run(soulbox_commands_run_argv(&res_raw, sbx.get(), argv, 3, &run_opts, &run.err)))
        return 1;
    Result res(res_raw);
    std::string_view out = soulbox_command_result_stdout(res.get(), nullptr);
    std::printf("sandbox %s: wc -l says %s", soulbox_sandbox_id(sbx.get()), out.data());

    // A file written through the API and read back.
    const std::string text = "written from C++\n";
    soulbox_entry* entry = nullptr;
    Check write{"write"};
    if (!write(soulbox_files_write(&entry, sbx.get(), "notes/cpp.txt", text.data(), text.size(),
                                   nullptr, &write.err)))
        return 1;
    soulbox_entry_free(entry);
    void* data = nullptr;
    std::size_t len = 0;
    Check read{"read"};
    if (!read(soulbox_files_read(&data, &len, sbx.get(), "notes/cpp.txt", nullptr, &read.err)))
        return 1;
    Bytes owned_data(data);
    bool read_back = std::string_view(static_cast<const char*>(data), len) == text;
    std::printf("read back: %s", static_cast<const char*>(data));

    // A terminal session: typed input, a resize the program sees, the exit status.
    Collected screen;
    soulbox_pty_options pty_opts;
    soulbox_pty_options_init(&pty_opts);
    pty_opts.on_data = Collected::append;
    pty_opts.user_data = &screen;
    pty_opts.timeout_ms = 30000; // a stuck shell cannot hang the example
    soulbox_process* pty_raw = nullptr;
    Check pty{"pty"};
    if (!pty(soulbox_pty_create(&pty_raw, sbx.get(), &pty_opts, &pty.err))) return 1;
    Process terminal(pty_raw);
    Check resize{"resize"};
    if (!resize(soulbox_pty_resize(sbx.get(), soulbox_process_pid(terminal.get()), 40, 120,
                                   &resize.err)))
        return 1;
    const char* typed = "stty size; echo pty-$((6 * 7)); exit\n";
    Check type{"type"};
    if (!type(soulbox_process_send_stdin(terminal.get(), typed, std::strlen(typed), &type.err)))
        return 1;
    soulbox_command_result* pty_res_raw = nullptr;
    Check wait{"wait"};
    if (!wait(soulbox_process_wait(&pty_res_raw, terminal.get(), &wait.err))) return 1;
    Result pty_res(pty_res_raw);
    bool terminal_ok;
    {
        std::lock_guard lock(screen.mutex);
        terminal_ok = screen.text.find("40 120") != std::string::npos &&
                      screen.text.find("pty-42") != std::string::npos;
    }
    std::printf("pty: exit %d\n", soulbox_command_result_exit_code(pty_res.get()));

    soulbox_entry_list* list_raw = nullptr;
    Check list{"list"};
    if (!list(soulbox_files_list(&list_raw, sbx.get(), "out", 1, nullptr, &list.err))) return 1;
    Entries entries(list_raw);
    bool found = false;
    for (std::size_t i = 0; i < soulbox_entry_list_count(entries.get()); ++i) {
        const soulbox_entry* e = soulbox_entry_list_get(entries.get(), i);
        std::printf("  %s %llu bytes\n", soulbox_entry_path(e),
                    static_cast<unsigned long long>(soulbox_entry_size(e)));
        found |= std::string_view(soulbox_entry_name(e)) == "n.txt" && soulbox_entry_size(e) == 10;
    }

    Check kill{"kill"};
    bool killed = kill(soulbox_sandbox_kill(sbx.get(), &kill.err));
    bool streamed_ok;
    {
        std::lock_guard lock(streamed.mutex);
        streamed_ok = streamed.text == out;
    }
    bool ok = killed && found && out == "5\n" && streamed_ok && read_back && terminal_ok &&
              soulbox_command_result_exit_code(res.get()) == 0;
    std::printf("%s\n", ok ? "all steps passed" : "FAILED");
    return ok ? 0 : 1;
}
