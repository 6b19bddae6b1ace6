/* SoulBox from C: create a sandbox, run code with streamed output, write and read a file,
 * and drive a terminal (PTY) session. Build it against the installed package:
 *   cmake -S . -B build && cmake --build build          (find_package(soulbox))
 *   make                                                  (pkg-config soulbox)
 * Exits 0 when every step did what it should. */
#include <soulbox/soulbox.h>

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

static int failed(const char* what, int status, soulbox_error* err) {
    fprintf(stderr, "%s: %s (%s)\n", what, soulbox_error_message(err), soulbox_errc_name(status));
    soulbox_error_free(err);
    return 1;
}

/* Runs on the library's event-loop thread: print and count, nothing that waits. */
static void print_chunk(const char* data, size_t len, void* user_data) {
    atomic_size_t* seen = user_data;
    atomic_fetch_add(seen, len);
    fwrite(data, 1, len, stdout);
    fflush(stdout);
}

static int run_code(soulbox_sandbox* sbx) {
    atomic_size_t streamed = 0;
    soulbox_run_options opts;
    soulbox_run_options_init(&opts);
    opts.on_stdout = print_chunk;
    opts.user_data = &streamed;
    opts.timeout_ms = 30000;
    soulbox_command_result* res = NULL;
    soulbox_error* err = NULL;
    int rc = soulbox_commands_run(&res, sbx,
                                  "python3 -c 'import sys\n"
                                  "for i in range(3): print(\"line\", i, flush=True)\n"
                                  "print(6 * 7)'",
                                  &opts, &err);
    if (rc != SOULBOX_OK) return failed("run python3", rc, err);
    size_t len = 0;
    const char* out = soulbox_command_result_stdout(res, &len);
    int ok = soulbox_command_result_exit_code(res) == 0 && strstr(out, "42\n") != NULL &&
             atomic_load(&streamed) == len;
    printf("run: exit %d, %zu bytes streamed, %zu stored\n", soulbox_command_result_exit_code(res),
           atomic_load(&streamed), len);
    soulbox_command_result_free(res);
    return ok ? 0 : 1;
}

static int write_and_read(soulbox_sandbox* sbx) {
    static const char text[] = "written from C\n";
    soulbox_entry* entry = NULL;
    soulbox_error* err = NULL;
    int rc = soulbox_files_write(&entry, sbx, "notes/hello.txt", text, strlen(text), NULL, &err);
    if (rc != SOULBOX_OK) return failed("write notes/hello.txt", rc, err);
    printf("wrote %s (%llu bytes, %s)\n", soulbox_entry_path(entry),
           (unsigned long long)soulbox_entry_size(entry), soulbox_entry_permissions(entry));
    soulbox_entry_free(entry);

    void* data = NULL;
    size_t len = 0;
    rc = soulbox_files_read(&data, &len, sbx, "/home/user/notes/hello.txt", NULL, &err);
    if (rc != SOULBOX_OK) return failed("read notes/hello.txt", rc, err);
    int ok = len == strlen(text) && memcmp(data, text, len) == 0;
    printf("read back: %s", (const char*)data); /* NUL-terminated by the library */
    soulbox_free(data);
    return ok ? 0 : 1;
}

static int terminal(soulbox_sandbox* sbx) {
    atomic_size_t seen = 0;
    soulbox_pty_options opts;
    soulbox_pty_options_init(&opts);
    opts.rows = 24;
    opts.cols = 80;
    opts.on_data = print_chunk;
    opts.user_data = &seen;
    opts.timeout_ms = 30000; /* a stuck shell cannot hang the example */
    soulbox_process* pty = NULL;
    soulbox_error* err = NULL;
    int rc = soulbox_pty_create(&pty, sbx, &opts, &err);
    if (rc != SOULBOX_OK) return failed("create pty", rc, err);
    rc = soulbox_pty_resize(sbx, soulbox_process_pid(pty), 40, 120, &err);
    if (rc != SOULBOX_OK) return failed("resize pty", rc, err);
    /* The shell reads this as typed input; `stty size` shows the new window size. */
    static const char input[] = "stty size; echo pty-$((6 * 7)); exit\n";
    rc = soulbox_process_send_stdin(pty, input, strlen(input), &err);
    if (rc != SOULBOX_OK) return failed("type into pty", rc, err);
    soulbox_command_result* res = NULL;
    rc = soulbox_process_wait(&res, pty, &err);
    if (rc != SOULBOX_OK) return failed("wait for pty", rc, err);
    const char* out = soulbox_command_result_stdout(res, NULL);
    int ok = strstr(out, "40 120") != NULL && strstr(out, "pty-42") != NULL;
    printf("\npty: exit %d, %zu bytes of terminal output\n", soulbox_command_result_exit_code(res),
           atomic_load(&seen));
    soulbox_command_result_free(res);
    soulbox_process_free(pty);
    return ok ? 0 : 1;
}

int main(void) {
    /* Built against one header, running with whatever libsoulbox.so.0 the loader found. */
    if (soulbox_version_check(SOULBOX_VERSION_MAJOR, SOULBOX_VERSION_MINOR) != SOULBOX_OK) {
        fprintf(stderr, "libsoulbox %s is older than this program's header %s\n", soulbox_version(),
                SOULBOX_VERSION_STRING);
        return 1;
    }
    soulbox_sandbox_options opts;
    soulbox_sandbox_options_init(&opts);
    opts.timeout_seconds = 120;
    soulbox_sandbox* sbx = NULL;
    soulbox_error* err = NULL;
    int rc = soulbox_sandbox_create(&sbx, &opts, &err);
    if (rc != SOULBOX_OK) return failed("create sandbox", rc, err);
    printf("libsoulbox %s, sandbox %s\n", soulbox_version(), soulbox_sandbox_id(sbx));

    int bad = 0;
    bad |= run_code(sbx);
    bad |= write_and_read(sbx);
    bad |= terminal(sbx);

    rc = soulbox_sandbox_kill(sbx, &err);
    if (rc != SOULBOX_OK) bad |= failed("kill sandbox", rc, err);
    soulbox_sandbox_free(sbx);
    printf("%s\n", bad ? "FAILED" : "all steps passed");
    return bad;
}
