// SoulBox from C++ through the installed C ABI (libsoulbox.so.0). The C++ API of soulbox.hpp is
// not installed (README "Installing"); this is how a program outside the tree uses SoulBox from
// C++ today: the C functions, with owning handles in std::unique_ptr.
#include <soulbox/soulbox.h>

#include <cstdio>
#include <memory>
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

    // argv form: no shell involved.
    const char* argv[] = {"sh", "-c", "mkdir -p out && seq 1 5 > out/n.txt && wc -l < out/n.txt"};
    soulbox_command_result* res_raw = nullptr;
    Check run{"run"};
    if (!run(soulbox_commands_run_argv(&res_raw, sbx.get(), argv, 3, nullptr, &run.err))) return 1;
    Result res(res_raw);
    std::string_view out = soulbox_command_result_stdout(res.get(), nullptr);
    std::printf("sandbox %s: wc -l says %s", soulbox_sandbox_id(sbx.get()), out.data());

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
    bool ok = killed && found && out == "5\n" && soulbox_command_result_exit_code(res.get()) == 0;
    std::printf("%s\n", ok ? "all steps passed" : "FAILED");
    return ok ? 0 : 1;
}
