/* The whole C ABI against real sandboxes, from C99: lifecycle, commands, background processes,
 * files, a watch, a terminal, and the errors a caller can make. Prints "N passed, N failed" and
 * exits non-zero on any failure. */
#define _POSIX_C_SOURCE 200809L
#include "soulbox/soulbox.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int passed, failed;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (cond) {                                                                                \
            ++passed;                                                                              \
        } else {                                                                                   \
            ++failed;                                                                              \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);               \
        }                                                                                          \
    } while (0)

/* Expects status `want` from an expression that fills `err`; frees err. */
static void expect(int rc, int want, soulbox_error* err, const char* what, int line) {
    if (rc == want && soulbox_error_code(err) == want) {
        ++passed;
    } else {
        ++failed;
        fprintf(stderr, "test_abi.c:%d: %s: status %d (%s), want %d (%s): %s\n", line, what, rc,
                soulbox_errc_name(rc), want, soulbox_errc_name(want), soulbox_error_message(err));
    }
    soulbox_error_free(err);
}
#define EXPECT(want, call)                                                                         \
    do {                                                                                           \
        soulbox_error* err = NULL;                                                                 \
        int rc_ = (call);                                                                          \
        expect(rc_, (want), err, #call, __LINE__);                                                 \
    } while (0)
#define EXPECT_OK(call) EXPECT(SOULBOX_OK, call)

/* Expects status `want` whose error refers to `subject` (soulbox_error_subject); frees err. */
static void expect_subject(int rc, int want, int subject, soulbox_error* err, const char* what,
                           int line) {
    if (rc == want && soulbox_error_code(err) == want && soulbox_error_subject(err) == subject) {
        ++passed;
    } else {
        ++failed;
        fprintf(stderr, "test_abi.c:%d: %s: status %d (%s) about %s, want %d (%s) about %s: %s\n",
                line, what, rc, soulbox_errc_name(rc),
                soulbox_subject_name(soulbox_error_subject(err)), want, soulbox_errc_name(want),
                soulbox_subject_name(subject), soulbox_error_message(err));
    }
    soulbox_error_free(err);
}
#define EXPECT_SUBJECT(want, subject, call)                                                        \
    do {                                                                                           \
        soulbox_error* err = NULL;                                                                 \
        int rc_ = (call);                                                                          \
        expect_subject(rc_, (want), (subject), err, #call, __LINE__);                              \
    } while (0)

/* ---- collected output: callbacks run on the library's thread, so a mutex guards it ---- */

typedef struct output_log {
    pthread_mutex_t mutex;
    char data[65536];
    size_t len;
    int calls;
} output_log;

static void log_init(output_log* log) {
    memset(log, 0, sizeof *log);
    pthread_mutex_init(&log->mutex, NULL);
}

static void log_append(output_log* log, const char* data, size_t len) {
    pthread_mutex_lock(&log->mutex);
    if (len > sizeof log->data - 1 - log->len) len = sizeof log->data - 1 - log->len;
    memcpy(log->data + log->len, data, len);
    log->len += len;
    log->data[log->len] = '\0';
    log->calls++;
    pthread_mutex_unlock(&log->mutex);
}

static void on_output(const char* data, size_t len, void* user_data) {
    log_append((output_log*)user_data, data, len);
}

static void on_event(soulbox_event_type type, const char* name, void* user_data) {
    char line[512];
    snprintf(line, sizeof line, "%d:%s\n", (int)type, name);
    log_append((output_log*)user_data, line, strlen(line));
}

static int log_contains(output_log* log, const char* needle) {
    int found;
    pthread_mutex_lock(&log->mutex);
    found = strstr(log->data, needle) != NULL;
    pthread_mutex_unlock(&log->mutex);
    return found;
}

/* Polls for up to 10 s. */
static int wait_for(output_log* log, const char* needle) {
    int i;
    struct timespec tick = {0, 20 * 1000 * 1000};
    for (i = 0; i < 500; ++i) {
        if (log_contains(log, needle)) return 1;
        nanosleep(&tick, NULL);
    }
    fprintf(stderr, "did not see \"%s\" in: %s\n", needle, log->data);
    return 0;
}

/* A fixed buffer for soulbox_files_read_into: room for `size` bytes, or NULL. */
typedef struct room_buffer {
    char* data;
    size_t size;
    size_t asked;
} room_buffer;

static char* reserve_room(size_t capacity, void* user_data) {
    room_buffer* room = user_data;
    room->asked = capacity;
    return capacity + 1 <= room->size ? room->data : NULL;
}

static int result_stdout_is(const soulbox_command_result* res, const char* want) {
    size_t len = 0;
    const char* out = soulbox_command_result_stdout(res, &len);
    return out && len == strlen(want) && memcmp(out, want, len) == 0;
}

/* ---------------------------------------------------------------- tests ---- */

static void test_versions_and_errors_without_sandbox(void) {
    soulbox_sandbox* sbx = (soulbox_sandbox*)&sbx; /* must be reset to NULL on failure */
    soulbox_error* e = NULL;
    int rc;

    CHECK(strcmp(soulbox_version(), SOULBOX_VERSION_STRING) == 0);
    CHECK(soulbox_version_check(SOULBOX_VERSION_MAJOR, SOULBOX_VERSION_MINOR) == SOULBOX_OK);
    CHECK(soulbox_version_check(SOULBOX_VERSION_MAJOR, 0) == SOULBOX_OK);
    CHECK(soulbox_version_check(SOULBOX_VERSION_MAJOR + 1, 0) == SOULBOX_ERR_UNSUPPORTED);
    CHECK(soulbox_version_check(SOULBOX_VERSION_MAJOR, SOULBOX_VERSION_MINOR + 1) ==
          SOULBOX_ERR_UNSUPPORTED);
    CHECK(strcmp(soulbox_errc_name(SOULBOX_ERR_NOT_FOUND), "not found") == 0);
    CHECK(strcmp(soulbox_errc_name(999), "unknown") == 0);
    CHECK(soulbox_error_code(NULL) == SOULBOX_OK && soulbox_error_errno(NULL) == 0);
    CHECK(strcmp(soulbox_error_message(NULL), "") == 0);
    CHECK(soulbox_error_subject(NULL) == SOULBOX_SUBJECT_NONE);
    CHECK(strcmp(soulbox_subject_name(SOULBOX_SUBJECT_PATH), "path") == 0);
    CHECK(strcmp(soulbox_subject_name(SOULBOX_SUBJECT_TEMPLATE_NAME), "template") == 0);
    CHECK(strcmp(soulbox_subject_name(-1), "unknown") == 0);
    CHECK(strcmp(soulbox_subject_name(999), "unknown") == 0);
    CHECK(soulbox_sandbox_info_state(NULL) == SOULBOX_SANDBOX_STOPPED);
    CHECK(strcmp(soulbox_sandbox_info_foreign_reason(NULL), "") == 0);
    CHECK(soulbox_sandbox_info_agent_protocol_version(NULL) == 0);
    soulbox_error_free(NULL);
    soulbox_free(NULL);
    soulbox_sandbox_free(NULL);

    /* Unknown id: NOT_FOUND, the out-param cleared, an error with a message. */
    rc = soulbox_sandbox_connect(&sbx, "0000000000000000", &e);
    CHECK(rc == SOULBOX_ERR_NOT_FOUND);
    CHECK(sbx == NULL);
    CHECK(soulbox_error_code(e) == SOULBOX_ERR_NOT_FOUND);
    CHECK(strstr(soulbox_error_message(e), "0000000000000000") != NULL);
    CHECK(soulbox_error_subject(e) == SOULBOX_SUBJECT_SANDBOX);
    soulbox_error_free(e);
    /* The same without an error object. */
    CHECK(soulbox_sandbox_connect(&sbx, "0000000000000000", NULL) == SOULBOX_ERR_NOT_FOUND);

    EXPECT(SOULBOX_ERR_INVALID_ARGUMENT, soulbox_sandbox_connect(&sbx, "not an id!", &err));
    EXPECT(SOULBOX_ERR_INVALID_ARGUMENT, soulbox_sandbox_connect(NULL, "abc", &err));
    EXPECT(SOULBOX_ERR_INVALID_ARGUMENT, soulbox_sandbox_connect(&sbx, NULL, &err));
    EXPECT(SOULBOX_ERR_INVALID_ARGUMENT, soulbox_sandbox_connect(&sbx, "\xff\xfe", &err));
    EXPECT(SOULBOX_ERR_INVALID_ARGUMENT, soulbox_sandbox_create(NULL, NULL, &err));
    CHECK(soulbox_sandbox_options_init(NULL) == SOULBOX_ERR_INVALID_ARGUMENT);
    EXPECT(SOULBOX_ERR_INVALID_ARGUMENT, soulbox_sandbox_list(NULL, &err));
    EXPECT(SOULBOX_ERR_INVALID_ARGUMENT, soulbox_sandbox_gc(NULL, &err));
    /* 0.2: NULL accessors; a spec that is not JSON, or not a valid spec, starts nothing. */
    CHECK(soulbox_sandbox_info_state(NULL) == SOULBOX_SANDBOX_STOPPED);
    CHECK(strcmp(soulbox_sandbox_info_foreign_reason(NULL), "") == 0);
    CHECK(soulbox_sandbox_info_agent_protocol_version(NULL) == 0);
    EXPECT(SOULBOX_ERR_INVALID_ARGUMENT, soulbox_sandbox_create_from_spec_json(&sbx, NULL, &err));
    EXPECT(SOULBOX_ERR_INVALID_ARGUMENT, soulbox_sandbox_create_from_spec_json(NULL, "{}", &err));
    CHECK(soulbox_sandbox_create_from_spec_json(&sbx, "{not json", NULL) != SOULBOX_OK);
    CHECK(sbx == NULL);
    EXPECT(SOULBOX_ERR_INVALID_ARGUMENT,
           soulbox_sandbox_create_from_spec_json(&sbx, "{\"user\":{\"uid\":0}}", &err));

    /* The message names the argument. */
    rc = soulbox_sandbox_create(NULL, NULL, &e);
    CHECK(rc == SOULBOX_ERR_INVALID_ARGUMENT && strstr(soulbox_error_message(e), "out") != NULL);
    soulbox_error_free(e);
}

static void test_bad_options(void) {
    soulbox_sandbox* sbx = NULL;
    soulbox_sandbox_options opts;
    soulbox_kv bad_meta[1];
    soulbox_kv dup_env[2];

    soulbox_sandbox_options_init(&opts);
    CHECK(opts.struct_size == sizeof opts && opts.timeout_seconds == 300);
    opts.template_name = "no-such-template";
    EXPECT_SUBJECT(SOULBOX_ERR_NOT_FOUND, SOULBOX_SUBJECT_TEMPLATE_NAME,
                   soulbox_sandbox_create(&sbx, &opts, &err));
    soulbox_sandbox_options_init(&opts);
    opts.struct_size = 0;
    EXPECT(SOULBOX_ERR_INVALID_ARGUMENT, soulbox_sandbox_create(&sbx, &opts, &err));
    opts.struct_size = sizeof opts + 8;
    EXPECT(SOULBOX_ERR_INVALID_ARGUMENT, soulbox_sandbox_create(&sbx, &opts, &err));

    soulbox_sandbox_options_init(&opts);
    bad_meta[0].key = "owner";
    bad_meta[0].value = "caf\xc3"; /* truncated two-byte sequence */
    opts.metadata = bad_meta;
    opts.metadata_count = 1;
    EXPECT(SOULBOX_ERR_INVALID_ARGUMENT, soulbox_sandbox_create(&sbx, &opts, &err));
    bad_meta[0].value = "\xed\xa0\x80"; /* a UTF-16 surrogate encoded as UTF-8 */
    EXPECT(SOULBOX_ERR_INVALID_ARGUMENT, soulbox_sandbox_create(&sbx, &opts, &err));
    bad_meta[0].value = "\xc0\xaf"; /* overlong '/' */
    EXPECT(SOULBOX_ERR_INVALID_ARGUMENT, soulbox_sandbox_create(&sbx, &opts, &err));
    bad_meta[0].value = NULL;
    EXPECT(SOULBOX_ERR_INVALID_ARGUMENT, soulbox_sandbox_create(&sbx, &opts, &err));

    soulbox_sandbox_options_init(&opts);
    opts.envs = NULL;
    opts.envs_count = 2;
    EXPECT(SOULBOX_ERR_INVALID_ARGUMENT, soulbox_sandbox_create(&sbx, &opts, &err));
    dup_env[0].key = dup_env[1].key = "A";
    dup_env[0].value = dup_env[1].value = "1";
    opts.envs = dup_env;
    EXPECT(SOULBOX_ERR_INVALID_ARGUMENT, soulbox_sandbox_create(&sbx, &opts, &err));

    soulbox_sandbox_options_init(&opts);
    opts.timeout_seconds = -1;
    EXPECT(SOULBOX_ERR_INVALID_ARGUMENT, soulbox_sandbox_create(&sbx, &opts, &err));
    CHECK(sbx == NULL);
}

/* A program built against an older header passes a shorter struct: the fields it does not know
 * keep their defaults. */
static void test_short_options_struct(void) {
    soulbox_sandbox* sbx = NULL;
    soulbox_sandbox_info* info = NULL;
    soulbox_sandbox_options opts;
    soulbox_sandbox_options_init(&opts);
    opts.timeout_seconds = 77;
    opts.memory_bytes = 1; /* past the pretended end: must be ignored */
    opts.struct_size = offsetof(soulbox_sandbox_options, envs);
    EXPECT_OK(soulbox_sandbox_create(&sbx, &opts, &err));
    EXPECT_OK(soulbox_sandbox_get_info(&info, sbx, &err));
    CHECK(soulbox_sandbox_info_end_at_ms(info) - soulbox_sandbox_info_started_at_ms(info) == 77000);
    CHECK(soulbox_sandbox_info_memory_bytes(info) != 1);
    soulbox_sandbox_info_free(info);
    EXPECT_OK(soulbox_sandbox_kill(sbx, &err));
    soulbox_sandbox_free(sbx);
}

static void test_commands(soulbox_sandbox* sbx) {
    soulbox_command_result* res = NULL;
    soulbox_run_options opts;
    output_log out, errs;
    soulbox_kv env[1];
    const char* argv[] = {"/bin/echo", "argv", "form"};
    const char* bad_argv[] = {"/bin/echo", NULL};
    size_t len = 0;

    log_init(&out);
    log_init(&errs);
    soulbox_run_options_init(&opts);
    env[0].key = "GREETING";
    env[0].value = "h\xc3\xa9llo"; /* valid UTF-8 passes */
    opts.envs = env;
    opts.envs_count = 1;
    opts.on_stdout = on_output;
    opts.user_data = &out;
    /* The sandbox-wide env (SANDBOX_ENV) and the command's own both reach it. */
    EXPECT_OK(soulbox_commands_run(
        &res, sbx, "for i in 1 2 3; do echo $GREETING-$SANDBOX_ENV-$i; done; echo oops >&2; exit 3",
        &opts, &err));
    CHECK(soulbox_command_result_exit_code(res) == 3);
    CHECK(result_stdout_is(res, "h\xc3\xa9llo-from-options-1\nh\xc3\xa9llo-from-options-2\n"
                                "h\xc3\xa9llo-from-options-3\n"));
    CHECK(strcmp(soulbox_command_result_stderr(res, &len), "oops\n") == 0 && len == 5);
    CHECK(strcmp(soulbox_command_result_error(res), "exit status 3") == 0);
    CHECK(soulbox_command_result_signal(res) == 0 && !soulbox_command_result_timed_out(res));
    CHECK(!soulbox_command_result_oom_killed(res));
    CHECK(!soulbox_command_result_stdout_truncated(res) &&
          !soulbox_command_result_stderr_truncated(res));
    /* The callback saw the same bytes, streamed. */
    CHECK(out.len == 3 * strlen("h\xc3\xa9llo-from-options-1\n"));
    CHECK(log_contains(&out, "-3\n"));
    soulbox_command_result_free(res);

    /* stderr callback, argv form, a timeout. */
    soulbox_run_options_init(&opts);
    opts.on_stderr = on_output;
    opts.user_data = &errs;
    EXPECT_OK(soulbox_commands_run(&res, sbx, "echo to-stderr >&2", &opts, &err));
    CHECK(log_contains(&errs, "to-stderr\n"));
    soulbox_command_result_free(res);
    EXPECT_OK(soulbox_commands_run_argv(&res, sbx, argv, 3, NULL, &err));
    CHECK(result_stdout_is(res, "argv form\n") && soulbox_command_result_exit_code(res) == 0);
    CHECK(strcmp(soulbox_command_result_error(res), "") == 0);
    soulbox_command_result_free(res);
    soulbox_run_options_init(&opts);
    opts.timeout_ms = 300;
    EXPECT_OK(soulbox_commands_run(&res, sbx, "sleep 20", &opts, &err));
    CHECK(soulbox_command_result_timed_out(res) && soulbox_command_result_exit_code(res) == -1);
    soulbox_command_result_free(res);

    /* Errors: NULL and bad UTF-8 arguments, NULL argv entries, a negative timeout. */
    res = (soulbox_command_result*)&res;
    EXPECT(SOULBOX_ERR_INVALID_ARGUMENT, soulbox_commands_run(&res, sbx, NULL, NULL, &err));
    CHECK(res == NULL);
    EXPECT(SOULBOX_ERR_INVALID_ARGUMENT, soulbox_commands_run(&res, NULL, "true", NULL, &err));
    EXPECT(SOULBOX_ERR_INVALID_ARGUMENT, soulbox_commands_run(NULL, sbx, "true", NULL, &err));
    EXPECT(SOULBOX_ERR_INVALID_ARGUMENT, soulbox_commands_run(&res, sbx, "echo \xff", NULL, &err));
    EXPECT(SOULBOX_ERR_INVALID_ARGUMENT,
           soulbox_commands_run_argv(&res, sbx, bad_argv, 2, NULL, &err));
    EXPECT(SOULBOX_ERR_INVALID_ARGUMENT, soulbox_commands_run_argv(&res, sbx, NULL, 1, NULL, &err));
    soulbox_run_options_init(&opts);
    opts.timeout_ms = -5;
    EXPECT(SOULBOX_ERR_INVALID_ARGUMENT, soulbox_commands_run(&res, sbx, "true", &opts, &err));
    soulbox_run_options_init(&opts);
    opts.cwd = "/tmp/\xfe";
    EXPECT(SOULBOX_ERR_INVALID_ARGUMENT, soulbox_commands_run(&res, sbx, "true", &opts, &err));
    soulbox_run_options_init(&opts);
    env[0].key = "K\x80";
    opts.envs = env;
    opts.envs_count = 1;
    EXPECT(SOULBOX_ERR_INVALID_ARGUMENT, soulbox_commands_run(&res, sbx, "true", &opts, &err));
    soulbox_run_options_init(&opts);
    opts.user = "nobody-such";
    EXPECT(SOULBOX_ERR_INVALID_ARGUMENT, soulbox_commands_run(&res, sbx, "true", &opts, &err));
}

static void test_background(soulbox_sandbox* sbx) {
    soulbox_process *proc = NULL, *again = NULL, *cat = NULL;
    soulbox_process_info_list* list = NULL;
    soulbox_command_result* res = NULL;
    soulbox_run_options opts;
    output_log late;
    size_t i;
    int pid, found = 0;

    log_init(&late);
    soulbox_run_options_init(&opts);
    opts.tag = "sleeper";
    EXPECT_OK(soulbox_commands_start(&proc, sbx, "sleep 30", &opts, &err));
    pid = soulbox_process_pid(proc);
    CHECK(pid > 0);
    EXPECT_OK(soulbox_commands_list(&list, sbx, &err));
    for (i = 0; i < soulbox_process_info_list_count(list); ++i) {
        const soulbox_process_info* info = soulbox_process_info_list_get(list, i);
        if (soulbox_process_info_pid(info) == pid) {
            found = 1;
            CHECK(strcmp(soulbox_process_info_tag(info), "sleeper") == 0);
            CHECK(strcmp(soulbox_process_info_cmd(info), "/bin/bash") == 0);
            CHECK(soulbox_process_info_arg_count(info) >= 1);
            CHECK(soulbox_process_info_arg(info, 1000) == NULL);
        }
    }
    CHECK(found);
    CHECK(soulbox_process_info_list_get(list, 1000) == NULL);
    soulbox_process_info_list_free(list);

    EXPECT_OK(soulbox_process_kill(proc, SIGKILL, &err));
    EXPECT_OK(soulbox_process_wait(&res, proc, &err));
    CHECK(soulbox_command_result_signal(res) == SIGKILL);
    CHECK(soulbox_command_result_exit_code(res) == -1);
    soulbox_command_result_free(res);
    soulbox_process_free(proc);

    /* stdin: typed into a background cat. */
    soulbox_run_options_init(&opts);
    opts.stdin_open = 1;
    EXPECT_OK(soulbox_commands_start(&cat, sbx, "cat", &opts, &err));
    EXPECT_OK(soulbox_process_send_stdin(cat, "one\n", 4, &err));
    EXPECT_OK(soulbox_commands_send_stdin(sbx, soulbox_process_pid(cat), "two\n", 4, &err));
    EXPECT(SOULBOX_ERR_INVALID_ARGUMENT, soulbox_process_send_stdin(cat, NULL, 4, &err));
    EXPECT_OK(soulbox_process_send_stdin(cat, NULL, 0, &err));
    EXPECT_OK(soulbox_process_close_stdin(cat, &err));
    EXPECT_OK(soulbox_process_wait(&res, cat, &err));
    CHECK(result_stdout_is(res, "one\ntwo\n"));
    soulbox_command_result_free(res);
    soulbox_process_free(cat);

    /* Free the handle (the process keeps running), connect again by pid, see later output. */
    EXPECT_OK(soulbox_commands_start(&proc, sbx, "sleep 1; echo late", NULL, &err));
    pid = soulbox_process_pid(proc);
    soulbox_process_free(proc);
    EXPECT_OK(soulbox_commands_connect(&again, sbx, pid, on_output, NULL, &late, &err));
    EXPECT_OK(soulbox_process_wait(&res, again, &err));
    CHECK(soulbox_command_result_exit_code(res) == 0);
    CHECK(log_contains(&late, "late\n"));
    soulbox_command_result_free(res);
    /* A disconnected handle cannot be waited for. */
    EXPECT_OK(soulbox_process_disconnect(again, &err));
    EXPECT(SOULBOX_ERR_INVALID_ARGUMENT, soulbox_process_wait(&res, again, &err));
    soulbox_process_free(again);

    /* Killing by pid; an unknown pid. */
    EXPECT_OK(soulbox_commands_start(&proc, sbx, "sleep 30", NULL, &err));
    EXPECT_OK(soulbox_commands_kill(sbx, soulbox_process_pid(proc), SIGTERM, &err));
    EXPECT_OK(soulbox_process_wait(&res, proc, &err));
    CHECK(soulbox_command_result_signal(res) == SIGTERM);
    soulbox_command_result_free(res);
    soulbox_process_free(proc);
    EXPECT_SUBJECT(SOULBOX_ERR_NOT_FOUND, SOULBOX_SUBJECT_PROCESS,
                   soulbox_commands_kill(sbx, 999999, SIGKILL, &err));
    EXPECT_SUBJECT(SOULBOX_ERR_NOT_FOUND, SOULBOX_SUBJECT_PROCESS,
                   soulbox_commands_connect(&proc, sbx, 999999, NULL, NULL, NULL, &err));
    /* A missing working directory is about a path, not about the process. */
    soulbox_run_options_init(&opts);
    opts.cwd = "/does/not/exist";
    EXPECT_SUBJECT(SOULBOX_ERR_NOT_FOUND, SOULBOX_SUBJECT_PATH,
                   soulbox_commands_start(&proc, sbx, "pwd", &opts, &err));

    EXPECT(SOULBOX_ERR_INVALID_ARGUMENT, soulbox_process_wait(&res, NULL, &err));
    EXPECT(SOULBOX_ERR_INVALID_ARGUMENT, soulbox_process_kill(NULL, 9, &err));
    EXPECT(SOULBOX_ERR_INVALID_ARGUMENT, soulbox_process_close_stdin(NULL, &err));
    EXPECT(SOULBOX_ERR_INVALID_ARGUMENT, soulbox_process_disconnect(NULL, &err));
    EXPECT(SOULBOX_ERR_INVALID_ARGUMENT, soulbox_commands_list(NULL, sbx, &err));
    CHECK(soulbox_process_pid(NULL) == 0);
    soulbox_process_free(NULL);
    soulbox_command_result_free(NULL);
}

/* write_stream source: three chunks, then the end. */
static int three_chunks(char* buffer, size_t capacity, size_t* filled, void* user_data) {
    int* calls = (int*)user_data;
    (void)capacity;
    if (*calls >= 3) {
        *filled = 0;
        return 0;
    }
    buffer[0] = (char)('a' + (*calls)++);
    *filled = 1;
    return 0;
}

static int failing_source(char* buffer, size_t capacity, size_t* filled, void* user_data) {
    (void)buffer, (void)capacity, (void)filled, (void)user_data;
    return 42;
}

static int collect_chunks(const char* data, size_t len, void* user_data) {
    log_append((output_log*)user_data, data, len);
    return 0;
}

static void test_files(soulbox_sandbox* sbx) {
    soulbox_entry* entry = NULL;
    soulbox_entry_list* list = NULL;
    soulbox_file_options fopts;
    soulbox_write_entry batch[2];
    output_log chunks;
    void* data = NULL;
    size_t len = 0, i;
    int exists = -1, created = -1, found = 0, calls = 0;

    log_init(&chunks);
    EXPECT_OK(soulbox_files_write(&entry, sbx, "/home/user/abi/hello.txt", "hello", 5, NULL, &err));
    CHECK(strcmp(soulbox_entry_name(entry), "hello.txt") == 0);
    CHECK(strcmp(soulbox_entry_path(entry), "/home/user/abi/hello.txt") == 0);
    CHECK(soulbox_entry_size(entry) == 5 && soulbox_entry_type(entry) == SOULBOX_FILE_TYPE_FILE);
    soulbox_entry_free(entry);

    EXPECT_OK(soulbox_files_read(&data, &len, sbx, "/home/user/abi/hello.txt", NULL, &err));
    CHECK(len == 5 && strcmp((const char*)data, "hello") == 0);
    soulbox_free(data);
    EXPECT_OK(soulbox_files_read_stream(sbx, "/home/user/abi/hello.txt", collect_chunks, &chunks,
                                        NULL, &err));
    CHECK(strcmp(chunks.data, "hello") == 0);
    {
        char room[64];
        room_buffer into = {room, sizeof room, 0};
        len = 0;
        EXPECT_OK(soulbox_files_read_into(&len, sbx, "/home/user/abi/hello.txt", reserve_room,
                                          &into, NULL, &err));
        CHECK(len == 5 && strcmp(room, "hello") == 0 && into.asked == 5);
        into.size = 3; /* too small: the reserve function says no */
        EXPECT(SOULBOX_ERR_INTERNAL, soulbox_files_read_into(&len, sbx, "/home/user/abi/hello.txt",
                                                             reserve_room, &into, NULL, &err));
        EXPECT(
            SOULBOX_ERR_INVALID_ARGUMENT,
            soulbox_files_read_into(&len, sbx, "/home/user/abi/hello.txt", NULL, NULL, NULL, &err));
    }

    /* Binary data with NULs, through the streaming writer too. */
    EXPECT_OK(soulbox_files_write(&entry, sbx, "/home/user/abi/bin", "a\0b", 3, NULL, &err));
    soulbox_entry_free(entry);
    EXPECT_OK(soulbox_files_read(&data, &len, sbx, "/home/user/abi/bin", NULL, &err));
    CHECK(len == 3 && memcmp(data, "a\0b", 3) == 0);
    soulbox_free(data);
    EXPECT_OK(soulbox_files_write_stream(&entry, sbx, "/home/user/abi/streamed", three_chunks,
                                         &calls, NULL, &err));
    CHECK(soulbox_entry_size(entry) == 3);
    soulbox_entry_free(entry);
    EXPECT_OK(soulbox_files_read(&data, &len, sbx, "/home/user/abi/streamed", NULL, &err));
    CHECK(len == 3 && memcmp(data, "abc", 3) == 0);
    soulbox_free(data);
    EXPECT(SOULBOX_ERR_IO, soulbox_files_write_stream(&entry, sbx, "/home/user/abi/never",
                                                      failing_source, NULL, NULL, &err));
    EXPECT_OK(soulbox_files_exists(&exists, sbx, "/home/user/abi/never", NULL, &err));
    CHECK(exists == 0);

    batch[0].path = "/home/user/abi/one";
    batch[0].data = "1";
    batch[0].len = 1;
    batch[1].path = "/home/user/abi/two";
    batch[1].data = "22";
    batch[1].len = 2;
    EXPECT_OK(soulbox_files_write_files(&list, sbx, batch, 2, NULL, &err));
    CHECK(soulbox_entry_list_count(list) == 2);
    CHECK(soulbox_entry_size(soulbox_entry_list_get(list, 1)) == 2);
    soulbox_entry_list_free(list);

    EXPECT_OK(soulbox_files_exists(&exists, sbx, "/home/user/abi/hello.txt", NULL, &err));
    CHECK(exists == 1);
    EXPECT_OK(soulbox_files_get_info(&entry, sbx, "/home/user/abi/hello.txt", NULL, &err));
    CHECK(soulbox_entry_size(entry) == 5 && strcmp(soulbox_entry_owner(entry), "user") == 0);
    CHECK(strcmp(soulbox_entry_group(entry), "user") == 0);
    CHECK(strcmp(soulbox_entry_permissions(entry), "-rw-r--r--") == 0);
    CHECK(soulbox_entry_mode(entry) == 0644);
    CHECK(soulbox_entry_modified_time_ms(entry) > 1600000000000LL);
    CHECK(soulbox_entry_symlink_target(entry) == NULL);
    soulbox_entry_free(entry);

    EXPECT_OK(soulbox_files_make_dir(&created, sbx, "/home/user/abi/sub/deeper", NULL, &err));
    CHECK(created == 1);
    EXPECT_OK(soulbox_files_make_dir(&created, sbx, "/home/user/abi/sub/deeper", NULL, &err));
    CHECK(created == 0);
    EXPECT_OK(soulbox_files_list(&list, sbx, "/home/user/abi", 1, NULL, &err));
    for (i = 0; i < soulbox_entry_list_count(list); ++i) {
        const soulbox_entry* e = soulbox_entry_list_get(list, i);
        if (strcmp(soulbox_entry_name(e), "sub") == 0)
            found = soulbox_entry_type(e) == SOULBOX_FILE_TYPE_DIR;
    }
    CHECK(found);
    CHECK(soulbox_entry_list_count(list) == 6); /* hello.txt bin streamed one two sub */
    CHECK(soulbox_entry_list_get(list, 99) == NULL);
    soulbox_entry_list_free(list);
    EXPECT_OK(soulbox_files_list(&list, sbx, "/home/user/abi", 2, NULL, &err));
    CHECK(soulbox_entry_list_count(list) == 7);
    soulbox_entry_list_free(list);

    EXPECT_OK(soulbox_files_rename(&entry, sbx, "/home/user/abi/hello.txt",
                                   "/home/user/abi/sub/moved.txt", NULL, &err));
    CHECK(strcmp(soulbox_entry_path(entry), "/home/user/abi/sub/moved.txt") == 0);
    soulbox_entry_free(entry);
    EXPECT_OK(soulbox_files_exists(&exists, sbx, "/home/user/abi/hello.txt", NULL, &err));
    CHECK(exists == 0);
    EXPECT_OK(soulbox_files_remove(sbx, "/home/user/abi/sub", NULL, &err));
    EXPECT_OK(soulbox_files_exists(&exists, sbx, "/home/user/abi/sub/moved.txt", NULL, &err));
    CHECK(exists == 0);

    /* As root: a file only root may read. */
    soulbox_file_options_init(&fopts);
    fopts.user = "root";
    EXPECT_OK(soulbox_files_write(&entry, sbx, "/root/secret", "s", 1, &fopts, &err));
    CHECK(strcmp(soulbox_entry_owner(entry), "root") == 0);
    soulbox_entry_free(entry);
    EXPECT(SOULBOX_ERR_PERMISSION_DENIED,
           soulbox_files_read(&data, &len, sbx, "/root/secret", NULL, &err));

    /* Errors. */
    EXPECT_SUBJECT(SOULBOX_ERR_NOT_FOUND, SOULBOX_SUBJECT_PATH,
                   soulbox_files_read(&data, &len, sbx, "/nope", NULL, &err));
    CHECK(data == NULL && len == 0);
    EXPECT_SUBJECT(SOULBOX_ERR_NOT_FOUND, SOULBOX_SUBJECT_PATH,
                   soulbox_files_get_info(&entry, sbx, "/nope", NULL, &err));
    EXPECT(SOULBOX_ERR_INVALID_ARGUMENT,
           soulbox_files_write(&entry, sbx, "/home/user/x", NULL, 3, NULL, &err));
    EXPECT(SOULBOX_ERR_INVALID_ARGUMENT,
           soulbox_files_write(&entry, sbx, "/home/user/\xff", "x", 1, NULL, &err));
    EXPECT(SOULBOX_ERR_INVALID_ARGUMENT, soulbox_files_read(&data, &len, sbx, NULL, NULL, &err));
    EXPECT(SOULBOX_ERR_INVALID_ARGUMENT, soulbox_files_read(NULL, &len, sbx, "/a", NULL, &err));
    EXPECT(SOULBOX_ERR_INVALID_ARGUMENT, soulbox_files_read(&data, NULL, sbx, "/a", NULL, &err));
    EXPECT(SOULBOX_ERR_INVALID_ARGUMENT, soulbox_files_exists(&exists, NULL, "/a", NULL, &err));
    EXPECT(SOULBOX_ERR_INVALID_ARGUMENT,
           soulbox_files_read_stream(sbx, "/home/user/abi/one", NULL, NULL, NULL, &err));
    EXPECT(SOULBOX_ERR_INVALID_ARGUMENT,
           soulbox_files_write_stream(&entry, sbx, "/home/user/abi/x", NULL, NULL, NULL, &err));
    EXPECT(SOULBOX_ERR_INVALID_ARGUMENT,
           soulbox_files_write_files(&list, sbx, NULL, 2, NULL, &err));
    batch[1].data = NULL;
    EXPECT(SOULBOX_ERR_INVALID_ARGUMENT,
           soulbox_files_write_files(&list, sbx, batch, 2, NULL, &err));
    EXPECT(SOULBOX_ERR_INVALID_ARGUMENT,
           soulbox_files_list(&list, sbx, "/home/user", 0, NULL, &err));
    EXPECT(SOULBOX_ERR_INVALID_ARGUMENT,
           soulbox_files_rename(&entry, sbx, "/home/user/abi/one", "\xc3", NULL, &err));
    fopts.user = "mallory";
    EXPECT(SOULBOX_ERR_INVALID_ARGUMENT, soulbox_files_remove(sbx, "/home/user/abi", &fopts, &err));
    fopts.struct_size = 1;
    EXPECT(SOULBOX_ERR_INVALID_ARGUMENT, soulbox_files_remove(sbx, "/home/user/abi", &fopts, &err));
    EXPECT(SOULBOX_ERR_IS_A_DIRECTORY,
           soulbox_files_read(&data, &len, sbx, "/home/user/abi", NULL, &err));
    soulbox_entry_free(NULL);
    soulbox_entry_list_free(NULL);
    CHECK(strcmp(soulbox_entry_name(NULL), "") == 0 && soulbox_entry_size(NULL) == 0);
}

static void test_watch(soulbox_sandbox* sbx) {
    soulbox_watch* watch = NULL;
    soulbox_event_list* events = NULL;
    soulbox_entry* entry = NULL;
    output_log seen;
    size_t i;
    int created = 0, saw_create = 0;

    log_init(&seen);
    EXPECT_OK(soulbox_files_make_dir(&created, sbx, "/home/user/watched", NULL, &err));
    EXPECT_OK(
        soulbox_files_watch_dir(&watch, sbx, "/home/user/watched", 0, on_event, &seen, NULL, &err));
    EXPECT_OK(soulbox_files_write(&entry, sbx, "/home/user/watched/new.txt", "x", 1, NULL, &err));
    soulbox_entry_free(entry);
    CHECK(wait_for(&seen, "new.txt"));
    EXPECT_OK(soulbox_watch_get_new_events(&events, watch, &err));
    for (i = 0; i < soulbox_event_list_count(events); ++i)
        if (strcmp(soulbox_event_list_name(events, i), "new.txt") == 0 &&
            soulbox_event_list_type(events, i) == SOULBOX_EVENT_CREATE)
            saw_create = 1;
    CHECK(saw_create);
    CHECK(soulbox_event_list_name(events, 1000) == NULL);
    soulbox_event_list_free(events);

    /* After stop, no more callbacks. */
    EXPECT_OK(soulbox_watch_stop(watch, &err));
    pthread_mutex_lock(&seen.mutex);
    seen.calls = 0;
    pthread_mutex_unlock(&seen.mutex);
    EXPECT_OK(soulbox_files_write(&entry, sbx, "/home/user/watched/after.txt", "x", 1, NULL, &err));
    soulbox_entry_free(entry);
    CHECK(!log_contains(&seen, "after.txt"));
    soulbox_watch_free(watch);
    soulbox_watch_free(NULL);

    EXPECT(SOULBOX_ERR_NOT_FOUND,
           soulbox_files_watch_dir(&watch, sbx, "/home/user/none", 0, NULL, NULL, NULL, &err));
    EXPECT(SOULBOX_ERR_INVALID_ARGUMENT, soulbox_watch_stop(NULL, &err));
    EXPECT(SOULBOX_ERR_INVALID_ARGUMENT, soulbox_watch_get_new_events(&events, NULL, &err));
}

static void test_pty(soulbox_sandbox* sbx) {
    soulbox_process *term = NULL, *again = NULL;
    soulbox_command_result* res = NULL;
    soulbox_pty_options opts;
    output_log screen, screen2;
    const char* line = "echo hi-$((40+2))\n";

    log_init(&screen);
    log_init(&screen2);
    soulbox_pty_options_init(&opts);
    CHECK(opts.rows == 24 && opts.cols == 80);
    opts.on_data = on_output;
    opts.user_data = &screen;
    opts.timeout_ms = 60000;
    EXPECT_OK(soulbox_pty_create(&term, sbx, &opts, &err));
    EXPECT_OK(soulbox_process_send_stdin(term, line, strlen(line), &err));
    CHECK(wait_for(&screen, "hi-42"));
    EXPECT_OK(soulbox_pty_send_stdin(sbx, soulbox_process_pid(term), "stty size\n", 10, &err));
    CHECK(wait_for(&screen, "24 80"));
    EXPECT_OK(soulbox_pty_resize(sbx, soulbox_process_pid(term), 30, 100, &err));
    EXPECT_OK(soulbox_pty_send_stdin(sbx, soulbox_process_pid(term), "stty size\n", 10, &err));
    CHECK(wait_for(&screen, "30 100"));
    EXPECT(SOULBOX_ERR_INVALID_ARGUMENT,
           soulbox_pty_resize(sbx, soulbox_process_pid(term), 0, 100, &err));

    /* The terminal survives its handle: disconnect, connect again by pid, type, see output. */
    EXPECT_OK(soulbox_process_disconnect(term, &err));
    EXPECT_OK(
        soulbox_pty_connect(&again, sbx, soulbox_process_pid(term), on_output, &screen2, &err));
    CHECK(soulbox_process_pid(again) == soulbox_process_pid(term));
    EXPECT_OK(
        soulbox_pty_send_stdin(sbx, soulbox_process_pid(again), "echo again-$((1+1))\n", 20, &err));
    CHECK(wait_for(&screen2, "again-2"));
    CHECK(!log_contains(&screen, "again-2"));

    EXPECT_OK(soulbox_pty_kill(sbx, soulbox_process_pid(again), &err));
    EXPECT_OK(soulbox_process_wait(&res, again, &err));
    CHECK(soulbox_command_result_signal(res) == SIGKILL);
    CHECK(strstr(soulbox_command_result_stdout(res, NULL), "again-2") != NULL);
    soulbox_command_result_free(res);
    soulbox_process_free(again);
    /* Freed last: freeing a disconnected handle while another handle on the same pid waits
     * clears that handle's exit subscription in the C++ layer (reported; see docs/c-api.md). */
    soulbox_process_free(term);

    opts.rows = 0;
    EXPECT(SOULBOX_ERR_INVALID_ARGUMENT, soulbox_pty_create(&term, sbx, &opts, &err));
    EXPECT(SOULBOX_ERR_INVALID_ARGUMENT, soulbox_pty_create(&term, NULL, NULL, &err));
    EXPECT(SOULBOX_ERR_INVALID_ARGUMENT, soulbox_pty_send_stdin(sbx, 1, NULL, 1, &err));
}

static void test_lifecycle(void) {
    soulbox_sandbox *sbx = NULL, *other = NULL;
    soulbox_sandbox_info* info = NULL;
    soulbox_sandbox_info_list* list = NULL;
    soulbox_command_result* res = NULL;
    soulbox_sandbox_options opts;
    soulbox_kv env[1], meta[2];
    size_t i;
    int running = -1, found = 0, removed = -1;
    char id[80];

    soulbox_sandbox_options_init(&opts);
    env[0].key = "SANDBOX_ENV";
    env[0].value = "from-options";
    meta[0].key = "owner";
    meta[0].value = "abi-test";
    meta[1].key = "lang";
    meta[1].value = "\xe6\x97\xa5\xe6\x9c\xac"; /* 日本 */
    opts.envs = env;
    opts.envs_count = 1;
    opts.metadata = meta;
    opts.metadata_count = 2;
    opts.timeout_seconds = 120;
    opts.hostname = "abibox";
    opts.memory_bytes = 256u << 20;
    EXPECT_OK(soulbox_sandbox_create(&sbx, &opts, &err));
    if (!sbx) return;
    snprintf(id, sizeof id, "%s", soulbox_sandbox_id(sbx));
    CHECK(strlen(id) > 0);

    EXPECT_OK(soulbox_commands_run(&res, sbx, "hostname", NULL, &err));
    CHECK(result_stdout_is(res, "abibox\n"));
    soulbox_command_result_free(res);

    test_commands(sbx);
    test_background(sbx);
    test_files(sbx);
    test_watch(sbx);
    test_pty(sbx);

    EXPECT_OK(soulbox_sandbox_get_info(&info, sbx, &err));
    CHECK(strcmp(soulbox_sandbox_info_id(info), id) == 0);
    CHECK(strcmp(soulbox_sandbox_info_template(info), "host") == 0);
    CHECK(soulbox_sandbox_info_metadata_count(info) == 2);
    CHECK(strcmp(soulbox_sandbox_info_metadata_key(info, 0), "lang") == 0); /* key order */
    CHECK(strcmp(soulbox_sandbox_info_metadata_value(info, 0), "\xe6\x97\xa5\xe6\x9c\xac") == 0);
    CHECK(strcmp(soulbox_sandbox_info_metadata_value(info, 1), "abi-test") == 0);
    CHECK(soulbox_sandbox_info_metadata_key(info, 2) == NULL);
    CHECK(soulbox_sandbox_info_is_running(info));
    CHECK(soulbox_sandbox_info_state(info) == SOULBOX_SANDBOX_RUNNING);
    CHECK(strcmp(soulbox_sandbox_info_foreign_reason(info), "") == 0);
    CHECK(soulbox_sandbox_info_agent_protocol_version(info) > 0);
    CHECK(soulbox_sandbox_info_end_at_ms(info) - soulbox_sandbox_info_started_at_ms(info) ==
          120000);
    CHECK(soulbox_sandbox_info_memory_bytes(info) == 256u << 20 ||
          strcmp(soulbox_sandbox_info_cgroup(info), "none") == 0);
    CHECK(soulbox_sandbox_info_pids(info) == 1024 || soulbox_sandbox_info_pids(info) == 0);
    CHECK(soulbox_sandbox_info_cpus(info) >= 0 && soulbox_sandbox_info_disk_bytes(info) > 0);
    CHECK(soulbox_sandbox_info_limits_note(info) != NULL);
    CHECK(soulbox_sandbox_info_rootless(info) == 0);
    CHECK(soulbox_sandbox_info_state(info) == SOULBOX_SANDBOX_RUNNING);
    CHECK(strcmp(soulbox_sandbox_info_foreign_reason(info), "") == 0);
    CHECK(soulbox_sandbox_info_agent_protocol_version(info) >= 1);
    soulbox_sandbox_info_free(info);

    EXPECT_OK(soulbox_sandbox_set_timeout(sbx, 600, &err));
    EXPECT_OK(soulbox_sandbox_get_info(&info, sbx, &err));
    CHECK(soulbox_sandbox_info_end_at_ms(info) > soulbox_sandbox_info_started_at_ms(info) + 500000);
    soulbox_sandbox_info_free(info);
    EXPECT(SOULBOX_ERR_INVALID_ARGUMENT, soulbox_sandbox_set_timeout(sbx, -1, &err));

    EXPECT_OK(soulbox_sandbox_list(&list, &err));
    for (i = 0; i < soulbox_sandbox_info_list_count(list); ++i)
        if (strcmp(soulbox_sandbox_info_id(soulbox_sandbox_info_list_get(list, i)), id) == 0)
            found = 1;
    CHECK(found);
    CHECK(soulbox_sandbox_info_list_get(list, 100000) == NULL);
    soulbox_sandbox_info_list_free(list);

    /* A second handle by id: it sees the same sandbox, and kills it. */
    EXPECT_OK(soulbox_sandbox_connect(&other, id, &err));
    EXPECT_OK(
        soulbox_commands_run(&res, other, "cat /etc/hostname; echo $SANDBOX_ENV", NULL, &err));
    CHECK(strstr(soulbox_command_result_stdout(res, NULL), "from-options") != NULL);
    soulbox_command_result_free(res);
    EXPECT_OK(soulbox_sandbox_kill(other, &err));
    EXPECT_OK(soulbox_sandbox_is_running(&running, sbx, &err));
    CHECK(running == 0);
    /* Killed twice, through either handle: NOT_RUNNING, not a crash. */
    EXPECT(SOULBOX_ERR_NOT_RUNNING, soulbox_sandbox_kill(other, &err));
    EXPECT(SOULBOX_ERR_NOT_RUNNING, soulbox_sandbox_kill(sbx, &err));
    /* Calls on a dead sandbox fail cleanly. */
    CHECK(soulbox_commands_run(&res, sbx, "true", NULL, NULL) != SOULBOX_OK && res == NULL);
    CHECK(soulbox_files_exists(&running, sbx, "/", NULL, NULL) != SOULBOX_OK);
    /* The out-parameter is cleared on entry: free the first handle before reusing it. */
    soulbox_sandbox_free(other);
    other = NULL;
    EXPECT(SOULBOX_ERR_NOT_FOUND, soulbox_sandbox_connect(&other, id, &err));
    CHECK(other == NULL);
    soulbox_sandbox_free(sbx);

    EXPECT_OK(soulbox_sandbox_gc(&removed, &err));
    CHECK(removed >= 0);

    EXPECT(SOULBOX_ERR_INVALID_ARGUMENT, soulbox_sandbox_kill(NULL, &err));
    EXPECT(SOULBOX_ERR_INVALID_ARGUMENT, soulbox_sandbox_is_running(&running, NULL, &err));
    EXPECT(SOULBOX_ERR_INVALID_ARGUMENT, soulbox_sandbox_get_info(&info, NULL, &err));
    CHECK(strcmp(soulbox_sandbox_id(NULL), "") == 0);
    CHECK(soulbox_sandbox_info_list_count(NULL) == 0);
}

/* The whole of a small file into buf (NUL-terminated); 0 when it cannot be read. */
static size_t read_small_file(const char* path, char* buf, size_t size) {
    FILE* f = fopen(path, "rb");
    size_t n;
    if (!f) return 0;
    n = fread(buf, 1, size - 1, f);
    buf[n] = '\0';
    fclose(f);
    return n;
}

static int write_small_file(const char* path, const char* text, size_t len) {
    FILE* f = fopen(path, "wb");
    int ok;
    if (!f) return 0;
    ok = fwrite(text, 1, len, f) == len;
    return fclose(f) == 0 && ok;
}

/* A record written by a newer SoulBox (as tests/integration/test_upgrade.cpp fakes one): listed
 * as SOULBOX_SANDBOX_FOREIGN, with the reason and nothing else. */
static void test_foreign_sandbox(void) {
    soulbox_sandbox* sbx = NULL;
    soulbox_sandbox_info_list* list = NULL;
    const soulbox_sandbox_info* info = NULL;
    const char* state_dir = getenv("SOULBOX_STATE_DIR");
    char path[512], saved[16384], newer[256];
    size_t i, saved_len;

    EXPECT_OK(soulbox_sandbox_create(&sbx, NULL, &err));
    if (!sbx) return;
    snprintf(path, sizeof path, "%s/%s/sandbox.json",
             state_dir && *state_dir ? state_dir : "/run/soulbox", soulbox_sandbox_id(sbx));
    saved_len = read_small_file(path, saved, sizeof saved);
    CHECK(saved_len > 0);
    snprintf(newer, sizeof newer, "{\"schema_version\":99,\"id\":\"%s\"}\n",
             soulbox_sandbox_id(sbx));
    CHECK(write_small_file(path, newer, strlen(newer)));

    EXPECT_OK(soulbox_sandbox_list(&list, &err));
    for (i = 0; i < soulbox_sandbox_info_list_count(list); ++i)
        if (strcmp(soulbox_sandbox_info_id(soulbox_sandbox_info_list_get(list, i)),
                   soulbox_sandbox_id(sbx)) == 0)
            info = soulbox_sandbox_info_list_get(list, i);
    CHECK(info != NULL);
    if (info) {
        CHECK(soulbox_sandbox_info_state(info) == SOULBOX_SANDBOX_FOREIGN);
        CHECK(!soulbox_sandbox_info_is_running(info));
        CHECK(strstr(soulbox_sandbox_info_foreign_reason(info), "newer") != NULL);
        CHECK(soulbox_sandbox_info_agent_protocol_version(info) == 0);
    }
    soulbox_sandbox_info_list_free(list);

    /* Made readable again, it is an ordinary sandbox that can be killed. */
    CHECK(write_small_file(path, saved, saved_len));
    EXPECT_OK(soulbox_sandbox_kill(sbx, &err));
    soulbox_sandbox_free(sbx);
}

typedef struct log_count {
    pthread_mutex_t mutex;
    int lines;
    int freed;
} log_count;

static void count_log(soulbox_log_level level, const char* message, void* user_data) {
    log_count* count = user_data;
    (void)level;
    if (!message) return;
    pthread_mutex_lock(&count->mutex);
    ++count->lines;
    pthread_mutex_unlock(&count->mutex);
}

static void free_log_count(void* user_data) {
    log_count* count = user_data;
    pthread_mutex_lock(&count->mutex);
    count->freed = 1;
    pthread_mutex_unlock(&count->mutex);
}

static int log_freed(log_count* count) {
    int freed;
    pthread_mutex_lock(&count->mutex);
    freed = count->freed;
    pthread_mutex_unlock(&count->mutex);
    return freed;
}

static int lists_id(soulbox_runtime* runtime, const char* id) {
    soulbox_sandbox_info_list* list = NULL;
    size_t i;
    int found = 0;
    EXPECT_OK(soulbox_sandbox_list_in(&list, runtime, &err));
    for (i = 0; i < soulbox_sandbox_info_list_count(list); ++i)
        if (strcmp(soulbox_sandbox_info_id(soulbox_sandbox_info_list_get(list, i)), id) == 0)
            found = 1;
    soulbox_sandbox_info_list_free(list);
    return found;
}

/* Two runtimes with their own state directories; the log hook and its free function. */
static void test_runtimes(void) {
    char base[] = "/tmp/soulbox-abi-rt-XXXXXX", one[64], two[64];
    soulbox_runtime_options opts;
    soulbox_runtime *first = NULL, *second = NULL, *bad = NULL;
    soulbox_sandbox *a = NULL, *b = NULL, *cross = NULL;
    log_count count = {PTHREAD_MUTEX_INITIALIZER, 0, 0};
    int removed = -1, i;

    CHECK(mkdtemp(base) != NULL);
    snprintf(one, sizeof one, "%s/one", base);
    snprintf(two, sizeof two, "%s/two", base);
    EXPECT_OK(soulbox_runtime_options_init(&opts));
    opts.state_dir = one;
    opts.log = count_log;
    opts.log_user_data = &count;
    opts.log_user_data_free = free_log_count;
    EXPECT_OK(soulbox_runtime_new(&first, &opts, &err));
    CHECK(strcmp(soulbox_runtime_state_dir(first), one) == 0);
    EXPECT_OK(soulbox_runtime_options_init(&opts));
    opts.state_dir = two;
    EXPECT_OK(soulbox_runtime_new(&second, &opts, &err));
    if (!first || !second) return;
    pthread_mutex_lock(&count.mutex);
    CHECK(count.lines >= 1); /* the runtime says where its state is */
    pthread_mutex_unlock(&count.mutex);

    EXPECT_OK(soulbox_sandbox_create_in(&a, first, NULL, &err));
    EXPECT_OK(soulbox_sandbox_create_in(&b, second, NULL, &err));
    if (!a || !b) return;
    CHECK(lists_id(first, soulbox_sandbox_id(a)) && !lists_id(first, soulbox_sandbox_id(b)));
    CHECK(lists_id(second, soulbox_sandbox_id(b)) && !lists_id(second, soulbox_sandbox_id(a)));
    EXPECT_SUBJECT(SOULBOX_ERR_NOT_FOUND, SOULBOX_SUBJECT_SANDBOX,
                   soulbox_sandbox_connect_in(&cross, first, soulbox_sandbox_id(b), &err));
    CHECK(cross == NULL);

    /* The handle goes first; the sandbox keeps its runtime (and the log data) alive. */
    soulbox_runtime_free(first);
    CHECK(!log_freed(&count));
    EXPECT_OK(soulbox_sandbox_kill(a, &err));
    soulbox_sandbox_free(a);
    EXPECT_OK(soulbox_sandbox_kill(b, &err));
    soulbox_sandbox_free(b);
    EXPECT_OK(soulbox_sandbox_gc_in(&removed, second, &err));
    CHECK(removed == 0); /* kill released everything already */
    soulbox_runtime_free(second);
    /* The first runtime goes once its agent has been reaped: then the log data is freed. */
    for (i = 0; i < 1000 && !log_freed(&count); ++i) {
        struct timespec tick = {0, 10 * 1000 * 1000};
        nanosleep(&tick, NULL);
    }
    CHECK(log_freed(&count));

    EXPECT_OK(soulbox_runtime_options_init(&opts));
    opts.state_dir = one;
    opts.io = "kqueue";
    EXPECT(SOULBOX_ERR_INVALID_ARGUMENT, soulbox_runtime_new(&bad, &opts, &err));
    opts.io = NULL;
    opts.state_dir = "relative/dir";
    EXPECT(SOULBOX_ERR_INVALID_ARGUMENT, soulbox_runtime_new(&bad, &opts, &err));
    CHECK(bad == NULL);
    EXPECT(SOULBOX_ERR_INVALID_ARGUMENT, soulbox_runtime_new(NULL, NULL, &err));
    soulbox_runtime_free(NULL);
    CHECK(strcmp(soulbox_runtime_state_dir(NULL), "") == 0);
}

int main(void) {
    test_versions_and_errors_without_sandbox();
    test_bad_options();
    test_short_options_struct();
    test_lifecycle();
    test_foreign_sandbox();
    test_runtimes();
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
