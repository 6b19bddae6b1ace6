// Fuzz the C ABI (libsoulbox.so) with random calls and arguments: NULL handles and
// out-parameters, garbage and non-UTF-8 strings, odd lengths, option structs with any
// struct_size. Every call must return a status (or, for accessors, a documented value) and
// never crash. One real sandbox, created once, takes the file calls with random paths: those
// go through the library's checks and the agent's path resolution. Commands are only sent with
// arguments the library must refuse, so the run stays cheap (no process per input).
#include <soulbox/soulbox.h>

#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

[[noreturn]] void invariant_broken(const char* what) {
    (void)what;
    __builtin_trap();
}

soulbox_sandbox* sandbox() {
    static soulbox_sandbox* sbx = [] {
        soulbox_sandbox_options opts;
        soulbox_sandbox_options_init(&opts);
        opts.timeout_seconds = 120; // a crashed run leaves nothing behind for long
        opts.disk_bytes = 64u << 20;
        soulbox_sandbox* s = nullptr;
        soulbox_error* err = nullptr;
        if (soulbox_sandbox_create(&s, &opts, &err) != SOULBOX_OK) {
            std::fprintf(stderr, "capi_fuzzer: cannot create a sandbox: %s\n",
                         soulbox_error_message(err));
            std::exit(1);
        }
        std::atexit([] {
            soulbox_sandbox_kill(sbx, nullptr);
            soulbox_sandbox_free(sbx);
        });
        return s;
    }();
    return sbx;
}

// A status must be one of the codes; an error object must match it.
void check(int status, soulbox_error* err) {
    if (status < SOULBOX_OK || status > SOULBOX_ERR_IS_A_DIRECTORY) invariant_broken("bad status");
    if (status == SOULBOX_OK && err) invariant_broken("error object on success");
    if (err) {
        if (soulbox_error_code(err) != status) invariant_broken("error code differs from status");
        if (!soulbox_error_message(err)) invariant_broken("NULL message");
        soulbox_error_free(err);
    }
}

// The last argument of every call: sometimes NULL (error not wanted).
struct Err {
    bool wanted;
    soulbox_error* err = nullptr;
    soulbox_error** ptr() { return wanted ? &err : nullptr; }
    void done(int status) { check(status, err); }
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider in(data, size);
    std::string s1 = in.ConsumeRandomLengthString(256);
    std::string s2 = in.ConsumeRandomLengthString(256);
    // A string argument: NULL, or one of the fuzzed ones (NUL-terminated, any bytes).
    auto str = [&](const std::string& s) { return in.ConsumeBool() ? nullptr : s.c_str(); };
    Err e{in.ConsumeBool()};
    soulbox_sandbox* live = in.ConsumeBool() ? sandbox() : nullptr;

    switch (in.ConsumeIntegralInRange(0, 13)) {
    case 0: { // pure functions
        if (!soulbox_errc_name(in.ConsumeIntegral<int>())) invariant_broken("errc_name NULL");
        int v = soulbox_version_check(in.ConsumeIntegral<int>(), in.ConsumeIntegral<int>());
        if (v != SOULBOX_OK && v != SOULBOX_ERR_UNSUPPORTED) invariant_broken("version_check");
        if (soulbox_version_check(SOULBOX_VERSION_MAJOR, SOULBOX_VERSION_MINOR) != SOULBOX_OK)
            invariant_broken("own version refused");
        if (std::strcmp(soulbox_version(), SOULBOX_VERSION_STRING) != 0)
            invariant_broken("version string");
        break;
    }
    case 1: { // accessors and _free on NULL: documented values, no crash
        if (soulbox_error_code(nullptr) != SOULBOX_OK ||
            std::strcmp(soulbox_error_message(nullptr), ""))
            invariant_broken("NULL error accessors");
        soulbox_error_free(nullptr);
        soulbox_free(nullptr);
        soulbox_sandbox_free(nullptr);
        soulbox_command_result_free(nullptr);
        soulbox_entry_free(nullptr);
        soulbox_entry_list_free(nullptr);
        soulbox_process_free(nullptr);
        soulbox_watch_free(nullptr);
        std::size_t idx = in.ConsumeIntegral<std::size_t>();
        (void)soulbox_entry_list_get(nullptr, idx);
        (void)soulbox_event_list_name(nullptr, idx);
        (void)soulbox_command_result_stdout(nullptr, nullptr);
        (void)soulbox_sandbox_id(nullptr);
        (void)soulbox_process_pid(nullptr);
        break;
    }
    case 2: { // connect by a garbage id (ids name state directories: traversal must fail)
        soulbox_sandbox* out = nullptr;
        int rc = soulbox_sandbox_connect(in.ConsumeBool() ? &out : nullptr, str(s1), e.ptr());
        e.done(rc);
        if (rc == SOULBOX_OK) {
            if (std::strcmp(soulbox_sandbox_id(out), soulbox_sandbox_id(sandbox())) != 0)
                invariant_broken("connected to a sandbox that does not exist");
            soulbox_sandbox_free(out);
        }
        break;
    }
    case 3: { // create with options the library must refuse: a NULL out-parameter or a bad
              // template/envs; never a real create
        soulbox_sandbox_options opts;
        soulbox_sandbox_options_init(&opts);
        opts.struct_size = in.ConsumeIntegralInRange<std::size_t>(0, 2 * sizeof opts);
        opts.template_name = in.ConsumeBool() ? "no-such-template" : str(s1);
        soulbox_kv kv{str(s1), str(s2)};
        opts.envs = in.ConsumeBool() ? &kv : nullptr;
        opts.envs_count = in.ConsumeIntegralInRange<std::size_t>(0, 1);
        if (!opts.envs) opts.envs_count = 0;
        int rc = soulbox_sandbox_create(nullptr, &opts, e.ptr());
        if (rc != SOULBOX_ERR_INVALID_ARGUMENT) invariant_broken("create with NULL out");
        e.done(rc);
        break;
    }
    case 4: { // commands with arguments the library must refuse
        soulbox_command_result* res = nullptr;
        soulbox_run_options opts;
        soulbox_run_options_init(&opts);
        opts.struct_size = in.ConsumeIntegralInRange<std::size_t>(0, 2 * sizeof opts);
        opts.cwd = str(s2);
        int rc;
        switch (in.ConsumeIntegralInRange(0, 3)) {
        case 0:
            rc = soulbox_commands_run(nullptr, live, str(s1), &opts, e.ptr());
            break;
        case 1:
            rc = soulbox_commands_run(&res, nullptr, str(s1), &opts, e.ptr());
            break;
        case 2:
            rc = soulbox_commands_run(&res, live, nullptr, &opts, e.ptr());
            break;
        default: { // argc 0, or argv with a NULL entry
            const char* argv[] = {str(s1), nullptr};
            rc = soulbox_commands_run_argv(&res, live, argv, in.ConsumeBool() ? 0 : 2, &opts,
                                           e.ptr());
        }
        }
        if (rc != SOULBOX_ERR_INVALID_ARGUMENT) invariant_broken("bad command accepted");
        if (res) invariant_broken("out set on failure");
        e.done(rc);
        break;
    }
    case 5: { // signals and stdin to random pids (the sandbox has none but the agent)
        int pid = in.ConsumeIntegralInRange(-2, 64);
        e.done(soulbox_commands_kill(live, pid == 1 ? 2 : pid, in.ConsumeIntegral<int>(), e.ptr()));
        break;
    }
    case 6: {
        std::size_t len = in.ConsumeIntegralInRange<std::size_t>(0, s1.size());
        e.done(soulbox_commands_send_stdin(live, in.ConsumeIntegralInRange(2, 64),
                                           in.ConsumeBool() ? s1.data() : nullptr, len, e.ptr()));
        break;
    }
    case 7: { // pty calls on pids that are not terminals
        e.done(soulbox_pty_resize(live, in.ConsumeIntegralInRange(-1, 64),
                                  in.ConsumeIntegral<std::uint16_t>(),
                                  in.ConsumeIntegral<std::uint16_t>(), e.ptr()));
        break;
    }
    case 8: { // files: read
        void* buf = nullptr;
        std::size_t len = 0;
        soulbox_file_options fo;
        soulbox_file_options_init(&fo);
        fo.user = in.ConsumeBool() ? str(s2) : "root";
        int rc = soulbox_files_read(in.ConsumeBool() ? &buf : nullptr, &len, live, str(s1),
                                    in.ConsumeBool() ? &fo : nullptr, e.ptr());
        e.done(rc);
        if (rc == SOULBOX_OK && static_cast<char*>(buf)[len] != '\0') invariant_broken("no NUL");
        soulbox_free(buf);
        break;
    }
    case 9: { // files: write (small, into the sandbox's own tmpfs)
        soulbox_entry* entry = nullptr;
        std::size_t len = in.ConsumeIntegralInRange<std::size_t>(0, s2.size());
        const void* bytes = in.ConsumeBool() ? s2.data() : nullptr;
        int rc = soulbox_files_write(&entry, live, str(s1), bytes, len, nullptr, e.ptr());
        e.done(rc);
        if (rc == SOULBOX_OK && soulbox_entry_size(entry) != len) invariant_broken("size");
        soulbox_entry_free(entry);
        break;
    }
    case 10: { // files: stat, exists, list
        soulbox_entry* entry = nullptr;
        e.done(soulbox_files_get_info(&entry, live, str(s1), nullptr, e.ptr()));
        soulbox_entry_free(entry);
        int exists = 0;
        Err e2{in.ConsumeBool()};
        e2.done(soulbox_files_exists(&exists, live, str(s1), nullptr, e2.ptr()));
        soulbox_entry_list* list = nullptr;
        Err e3{in.ConsumeBool()};
        e3.done(soulbox_files_list(&list, live, str(s2), in.ConsumeIntegralInRange(-1, 3), nullptr,
                                   e3.ptr()));
        for (std::size_t i = 0; i <= soulbox_entry_list_count(list); ++i)
            (void)soulbox_entry_path(soulbox_entry_list_get(list, i));
        soulbox_entry_list_free(list);
        break;
    }
    case 11: { // files: rename, make_dir, remove (inside the sandbox, confined by the agent)
        soulbox_entry* entry = nullptr;
        e.done(soulbox_files_rename(&entry, live, str(s1), str(s2), nullptr, e.ptr()));
        soulbox_entry_free(entry);
        int created = 0;
        Err e2{in.ConsumeBool()};
        e2.done(soulbox_files_make_dir(&created, live, str(s2), nullptr, e2.ptr()));
        Err e3{in.ConsumeBool()};
        e3.done(soulbox_files_remove(live, str(s1), nullptr, e3.ptr()));
        break;
    }
    case 12: { // write_files with a random batch
        std::vector<soulbox_write_entry> batch(in.ConsumeIntegralInRange(0, 3));
        for (auto& b : batch)
            b = {str(in.ConsumeBool() ? s1 : s2), s2.data(),
                 in.ConsumeIntegralInRange<std::size_t>(0, s2.size())};
        soulbox_entry_list* out = nullptr;
        e.done(soulbox_files_write_files(&out, live, batch.data(), batch.size(), nullptr, e.ptr()));
        soulbox_entry_list_free(out);
        break;
    }
    default: { // info and timeout on the live handle or NULL
        soulbox_sandbox_info* info = nullptr;
        e.done(soulbox_sandbox_get_info(in.ConsumeBool() ? &info : nullptr, live, e.ptr()));
        (void)soulbox_sandbox_info_id(info);
        (void)soulbox_sandbox_info_metadata_key(info, in.ConsumeIntegral<std::size_t>());
        soulbox_sandbox_info_free(info);
        // Keep the sandbox alive for the run: only ever raise its timeout back to 120 s.
        Err e2{in.ConsumeBool()};
        e2.done(soulbox_sandbox_set_timeout(live, 120, e2.ptr()));
        break;
    }
    }
    return 0;
}
