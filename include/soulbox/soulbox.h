/* SoulBox C API: the stable ABI of libsoulbox.so (C99; usable from C++).
 *
 *   soulbox_sandbox *sbx = NULL;
 *   soulbox_command_result *res = NULL;
 *   soulbox_error *err = NULL;
 *   if (soulbox_sandbox_create(&sbx, NULL, &err) != SOULBOX_OK) { ...soulbox_error_message(err)...
 * } soulbox_commands_run(&res, sbx, "echo hi", NULL, &err); size_t len; const char *out =
 * soulbox_command_result_stdout(res, &len);  // "hi\n" soulbox_command_result_free(res);
 *   soulbox_sandbox_kill(sbx, NULL);
 *   soulbox_sandbox_free(sbx);
 *
 * Rules (docs/c-api.md has the long form):
 * - Every operation returns an int status: SOULBOX_OK (0) or a soulbox_errc code. Its last
 *   parameter `soulbox_error **err` is optional (NULL = not wanted); on failure *err receives an
 *   error object the caller frees with soulbox_error_free(); on success *err is set to NULL.
 * - Out-parameters come first and are required (NULL is SOULBOX_ERR_INVALID_ARGUMENT). On
 *   failure they are left NULL / 0.
 * - Accessors (functions named after a field: soulbox_sandbox_id, soulbox_entry_size, ...) return
 *   the value itself and never fail; given NULL they return 0, "" or NULL as documented.
 * - Every object returned through an out-parameter is owned by the caller and freed with its
 *   own _free function; _free(NULL) is a no-op; free each object exactly once, and not while
 *   another thread still uses it. Strings and objects obtained from an accessor are borrowed:
 *   valid until the object they came from is freed.
 * - Strings are UTF-8 and NUL-terminated; invalid UTF-8 is SOULBOX_ERR_INVALID_ARGUMENT. Byte
 *   buffers are (data, len); data may be NULL only when len is 0.
 * - Options are structs that start with `struct_size`: initialise them with their _init function
 *   and then set fields; passing NULL means all defaults. The library reads only the fields that
 *   fit in struct_size, so programs built against an older header keep working.
 * - Handles (soulbox_sandbox, soulbox_process, soulbox_watch) may be used from several threads at
 *   once. Result objects are immutable and may be read from several threads at once.
 * - Callbacks run on library worker threads, never on the event loop: the callbacks of one
 *   process (or one watch) run one at a time and in order, so one that blocks holds up only its
 *   own handle. They may call other soulbox functions, but not wait on, disconnect or free the
 *   handle they serve from its own callback (a wait there fails with INVALID_ARGUMENT).
 */
#ifndef SOULBOX_SOULBOX_H
#define SOULBOX_SOULBOX_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The release: the only place its number is written. CMake, the Conan recipe and the Python
 * package read it from here; package.json and vcpkg.json are checked against it (ctest
 * `version`). */
#define SOULBOX_VERSION_MAJOR 0
#define SOULBOX_VERSION_MINOR 1
#define SOULBOX_VERSION_PATCH 0
#define SOULBOX_VERSION_TEXT_(x) #x
#define SOULBOX_VERSION_TEXT(x) SOULBOX_VERSION_TEXT_(x)
#define SOULBOX_VERSION_STRING                                                                     \
    SOULBOX_VERSION_TEXT(SOULBOX_VERSION_MAJOR)                                                    \
    "." SOULBOX_VERSION_TEXT(SOULBOX_VERSION_MINOR) "." SOULBOX_VERSION_TEXT(SOULBOX_VERSION_PATCH)

#if defined(_WIN32)
#define SOULBOX_API
#else
#define SOULBOX_API __attribute__((visibility("default")))
#endif

/* ---------------------------------------------------------------- errors and versions ---- */

/* The same numbers as soulbox::Errc in the C++ API. Out of memory is SOULBOX_ERR_INTERNAL with
 * soulbox_error_errno() == ENOMEM. */
/* BEGIN GENERATED errc: scripts/gen-errors.py from src/core/error_codes.txt */
/* clang-format off */
typedef enum soulbox_errc {
    SOULBOX_OK = 0,
    SOULBOX_ERR_INVALID_ARGUMENT = 1, /* bad input from the caller */
    SOULBOX_ERR_NOT_FOUND = 2, /* unknown sandbox id, process, path, template (the subject says which) */
    SOULBOX_ERR_ALREADY_EXISTS = 3,
    SOULBOX_ERR_PERMISSION_DENIED = 4,
    SOULBOX_ERR_UNSUPPORTED = 5, /* the host lacks a feature (userns, ...); a version mismatch */
    SOULBOX_ERR_LIMIT_UNENFORCEABLE = 6, /* a requested resource limit cannot be applied here */
    SOULBOX_ERR_TIMEOUT = 7,
    SOULBOX_ERR_NOT_RUNNING = 8, /* the sandbox or process has ended */
    SOULBOX_ERR_IO = 9, /* a system call failed */
    SOULBOX_ERR_PROTOCOL = 10, /* malformed message between host and agent */
    SOULBOX_ERR_NOT_ENOUGH_SPACE = 11,
    SOULBOX_ERR_INTERNAL = 12,
    SOULBOX_ERR_NOT_A_DIRECTORY = 13, /* a path component or the target is not a directory */
    SOULBOX_ERR_IS_A_DIRECTORY = 14 /* a file operation on a directory */
} soulbox_errc;

/* What an error refers to (soulbox_error_subject): a NOT_FOUND about a path is a missing
 * file, one about a process an unknown pid. */
typedef enum soulbox_subject {
    SOULBOX_SUBJECT_NONE = 0, /* nothing in particular */
    SOULBOX_SUBJECT_SANDBOX = 1, /* a sandbox id */
    SOULBOX_SUBJECT_PROCESS = 2, /* a process id inside the sandbox */
    SOULBOX_SUBJECT_PATH = 3, /* a path inside the sandbox */
    SOULBOX_SUBJECT_TEMPLATE_NAME = 4 /* a template name */
} soulbox_subject;
/* clang-format on */
/* END GENERATED errc */

/* An error: code, subject, errno of the failed system call (0 if none) and a message. */
typedef struct soulbox_error soulbox_error;

SOULBOX_API int soulbox_error_code(const soulbox_error* err);            /* NULL: SOULBOX_OK */
SOULBOX_API int soulbox_error_errno(const soulbox_error* err);           /* NULL: 0 */
SOULBOX_API const char* soulbox_error_message(const soulbox_error* err); /* NULL: "" */
SOULBOX_API void soulbox_error_free(soulbox_error* err);
/* "ok", "invalid argument", "not found", ...; "unknown" for a number that is no code. Static. */
SOULBOX_API const char* soulbox_errc_name(int code);
/* Since 0.2. What the error refers to: a soulbox_subject (NULL: SOULBOX_SUBJECT_NONE). Set on
 * NOT_FOUND errors at least, so that a missing path, an unknown pid, an unknown sandbox id and
 * an unknown template can be told apart without reading the message. */
SOULBOX_API int soulbox_error_subject(const soulbox_error* err);
/* "none", "sandbox", "process", "path", "template"; "unknown" for a number that is no
 * subject. Static. */
SOULBOX_API const char* soulbox_subject_name(int subject);

/* "0.1.0": the version of the library actually loaded. Static. */
SOULBOX_API const char* soulbox_version(void);
/* SOULBOX_OK when the loaded library provides the API of version major.minor (same major,
 * minor at least as high), else SOULBOX_ERR_UNSUPPORTED. Typical use:
 * soulbox_version_check(SOULBOX_VERSION_MAJOR, SOULBOX_VERSION_MINOR). */
SOULBOX_API int soulbox_version_check(int major, int minor);

/* Frees a buffer the library allocated (soulbox_files_read). NULL is a no-op. */
SOULBOX_API void soulbox_free(void* ptr);

/* ---------------------------------------------------------------- common types ---- */

/* One entry of a string map (envs, metadata). Keys and values are UTF-8 text. */
typedef struct soulbox_kv {
    const char* key;
    const char* value;
} soulbox_kv;

/* Streamed output (stdout, stderr, terminal data). Runs on a library worker thread, in order per
 * process; `data` is valid only during the call and is not NUL-terminated. */
typedef void (*soulbox_output_fn)(const char* data, size_t len, void* user_data);

/* ---------------------------------------------------------------- sandboxes ---- */

typedef struct soulbox_sandbox soulbox_sandbox;
typedef struct soulbox_sandbox_info soulbox_sandbox_info;
typedef struct soulbox_sandbox_info_list soulbox_sandbox_info_list;

/* Fields set to this value take the library default. */
#define SOULBOX_LIMIT_DEFAULT UINT64_MAX

typedef struct soulbox_sandbox_options {
    size_t struct_size;        /* sizeof(soulbox_sandbox_options), set by _init */
    const char* template_name; /* NULL: "host" */
    int64_t timeout_seconds;   /* lifetime; default 300; 0 = no timeout */
    const soulbox_kv* envs;    /* environment of every process in the sandbox */
    size_t envs_count;
    const soulbox_kv* metadata; /* free-form, returned by info and list */
    size_t metadata_count;
    const char* hostname; /* NULL: "sandbox" */
    /* Resource limits: SOULBOX_LIMIT_DEFAULT (cpus: < 0) takes the default (512 MiB, 1024
     * pids, 1 cpu, 1 GiB disk); 0 = unlimited. A limit that is set and cannot be enforced
     * on this host fails with SOULBOX_ERR_LIMIT_UNENFORCEABLE. */
    uint64_t memory_bytes;
    uint64_t pids;
    double cpus;
    uint64_t disk_bytes;
} soulbox_sandbox_options;

SOULBOX_API int soulbox_sandbox_options_init(soulbox_sandbox_options* opts);

/* ---------------------------------------------------------------- runtimes ---- */

/* A runtime: what the sandboxes of one configuration share in a process (state directory,
 * cgroups, event loop, callback threads, log hook). The functions that take none use the
 * default runtime, configured from SOULBOX_STATE_DIR, SOULBOX_CGROUP and SOULBOX_IO. Runtimes
 * with different state directories work side by side: each lists, connects to and collects
 * only the sandboxes of its own directory. */
typedef struct soulbox_runtime soulbox_runtime;

typedef enum soulbox_log_level {
    SOULBOX_LOG_DEBUG = 0,
    SOULBOX_LOG_INFO = 1,
    SOULBOX_LOG_WARNING = 2,
    SOULBOX_LOG_ERROR = 3
} soulbox_log_level;

/* What the runtime does (its choices, sandboxes collected or reaped). Runs on any library
 * thread, the event loop included: keep it short and call no soulbox function from it. */
typedef void (*soulbox_log_fn)(soulbox_log_level level, const char* message, void* user_data);

typedef struct soulbox_runtime_options {
    size_t struct_size;    /* sizeof(soulbox_runtime_options), set by _init */
    const char* state_dir; /* absolute; NULL: /run/soulbox for root, else $XDG_RUNTIME_DIR/soulbox,
                            * else /tmp/soulbox-<uid> (the environment is not read) */
    const char* cgroup;    /* NULL or "auto", "v1", "v2" */
    const char* io;        /* NULL or "auto" (io_uring, else epoll), "epoll" */
    soulbox_log_fn log;    /* optional */
    void* log_user_data;
    /* Optional; called with log_user_data once the runtime no longer needs it: when the runtime
     * is gone (it outlives its handle while sandboxes it started run), or at once when
     * soulbox_runtime_new fails. */
    void (*log_user_data_free)(void* user_data);
} soulbox_runtime_options;

SOULBOX_API int soulbox_runtime_options_init(soulbox_runtime_options* opts);
/* Creates the state directory (mode 0700) if needed; one owned by another user or open to
 * others is SOULBOX_ERR_PERMISSION_DENIED. */
SOULBOX_API int soulbox_runtime_new(soulbox_runtime** out, const soulbox_runtime_options* opts,
                                    soulbox_error** err);
/* Frees the handle; sandboxes created or connected through it keep what they need alive. */
SOULBOX_API void soulbox_runtime_free(soulbox_runtime* runtime);
/* The state directory in use; NULL: "". */
SOULBOX_API const char* soulbox_runtime_state_dir(const soulbox_runtime* runtime);

/* Start a new sandbox. opts may be NULL (defaults). */
SOULBOX_API int soulbox_sandbox_create(soulbox_sandbox** out, const soulbox_sandbox_options* opts,
                                       soulbox_error** err);
/* Since 0.2. Start a new sandbox from a sandbox spec in its JSON form (docs/design.md
 * "SandboxSpec", the content of a sandbox's sandbox.json). The spec is validated before anything
 * starts. A spec names host paths (bind and read-only overlay sources): take it from the
 * embedding application, never from an untrusted client. */
SOULBOX_API int soulbox_sandbox_create_from_spec_json(soulbox_sandbox** out, const char* spec_json,
                                                      soulbox_error** err);
/* Reach a running sandbox by id, from any process of the same host user. */
SOULBOX_API int soulbox_sandbox_connect(soulbox_sandbox** out, const char* id, soulbox_error** err);
/* Frees the handle only: the sandbox keeps running until its timeout (soulbox_sandbox_kill
 * ends it). Processes, watches and results obtained from it stay valid. */
SOULBOX_API void soulbox_sandbox_free(soulbox_sandbox* sbx);
/* The sandbox id; NULL: "". */
SOULBOX_API const char* soulbox_sandbox_id(const soulbox_sandbox* sbx);
/* Ends the sandbox and everything in it. SOULBOX_ERR_NOT_RUNNING if it had already ended. */
SOULBOX_API int soulbox_sandbox_kill(soulbox_sandbox* sbx, soulbox_error** err);
SOULBOX_API int soulbox_sandbox_is_running(int* running, const soulbox_sandbox* sbx,
                                           soulbox_error** err);
SOULBOX_API int soulbox_sandbox_set_timeout(soulbox_sandbox* sbx, int64_t timeout_seconds,
                                            soulbox_error** err);
SOULBOX_API int soulbox_sandbox_get_info(soulbox_sandbox_info** out, const soulbox_sandbox* sbx,
                                         soulbox_error** err);
/* Every running sandbox of this host user, from any process. */
SOULBOX_API int soulbox_sandbox_list(soulbox_sandbox_info_list** out, soulbox_error** err);
/* Removes what dead sandboxes left behind; *removed is how many. */
SOULBOX_API int soulbox_sandbox_gc(int* removed, soulbox_error** err);
/* soulbox_sandbox_create, _connect, _list and _gc in `runtime` (NULL: the default runtime). */
SOULBOX_API int soulbox_sandbox_create_in(soulbox_sandbox** out, soulbox_runtime* runtime,
                                          const soulbox_sandbox_options* opts, soulbox_error** err);
SOULBOX_API int soulbox_sandbox_connect_in(soulbox_sandbox** out, soulbox_runtime* runtime,
                                           const char* id, soulbox_error** err);
SOULBOX_API int soulbox_sandbox_list_in(soulbox_sandbox_info_list** out, soulbox_runtime* runtime,
                                        soulbox_error** err);
SOULBOX_API int soulbox_sandbox_gc_in(int* removed, soulbox_runtime* runtime, soulbox_error** err);

/* soulbox_sandbox_info: accessors. Times are milliseconds since the Unix epoch. */
SOULBOX_API void soulbox_sandbox_info_free(soulbox_sandbox_info* info);
SOULBOX_API const char* soulbox_sandbox_info_id(const soulbox_sandbox_info* info);
SOULBOX_API const char* soulbox_sandbox_info_template(const soulbox_sandbox_info* info);
SOULBOX_API size_t soulbox_sandbox_info_metadata_count(const soulbox_sandbox_info* info);
/* Entries in key order; NULL when index is out of range. */
SOULBOX_API const char* soulbox_sandbox_info_metadata_key(const soulbox_sandbox_info* info,
                                                          size_t index);
SOULBOX_API const char* soulbox_sandbox_info_metadata_value(const soulbox_sandbox_info* info,
                                                            size_t index);
SOULBOX_API int64_t soulbox_sandbox_info_started_at_ms(const soulbox_sandbox_info* info);
/* 0 when the sandbox has no timeout. */
SOULBOX_API int64_t soulbox_sandbox_info_end_at_ms(const soulbox_sandbox_info* info);
SOULBOX_API int soulbox_sandbox_info_is_running(const soulbox_sandbox_info* info);
SOULBOX_API int soulbox_sandbox_info_rootless(const soulbox_sandbox_info* info);
/* Limits as applied; 0 = unlimited. */
SOULBOX_API uint64_t soulbox_sandbox_info_memory_bytes(const soulbox_sandbox_info* info);
SOULBOX_API uint64_t soulbox_sandbox_info_pids(const soulbox_sandbox_info* info);
SOULBOX_API double soulbox_sandbox_info_cpus(const soulbox_sandbox_info* info);
SOULBOX_API uint64_t soulbox_sandbox_info_disk_bytes(const soulbox_sandbox_info* info);
/* "v1", "v2" or "none". */
SOULBOX_API const char* soulbox_sandbox_info_cgroup(const soulbox_sandbox_info* info);
/* Why a default limit is not enforced; "" when all are. */
SOULBOX_API const char* soulbox_sandbox_info_limits_note(const soulbox_sandbox_info* info);

/* Since 0.2. A foreign sandbox is a state directory this library must not act on (written by a
 * newer SoulBox, or unreadable): soulbox_sandbox_list reports it, soulbox_sandbox_gc leaves it
 * alone, and only its id is known. */
typedef enum soulbox_sandbox_state {
    SOULBOX_SANDBOX_RUNNING = 0,
    SOULBOX_SANDBOX_STOPPED = 1,
    SOULBOX_SANDBOX_FOREIGN = 2
} soulbox_sandbox_state;

/* Since 0.2. NULL: SOULBOX_SANDBOX_STOPPED. */
SOULBOX_API soulbox_sandbox_state soulbox_sandbox_info_state(const soulbox_sandbox_info* info);
/* Since 0.2. Why the sandbox is foreign; "" when it is not (and for NULL). */
SOULBOX_API const char* soulbox_sandbox_info_foreign_reason(const soulbox_sandbox_info* info);
/* Since 0.2. The control protocol of the sandbox's agent; 0 for an agent older than protocol
 * versions (which soulbox_sandbox_connect refuses), a foreign sandbox and NULL. */
SOULBOX_API uint32_t soulbox_sandbox_info_agent_protocol_version(const soulbox_sandbox_info* info);

SOULBOX_API void soulbox_sandbox_info_list_free(soulbox_sandbox_info_list* list);
SOULBOX_API size_t soulbox_sandbox_info_list_count(const soulbox_sandbox_info_list* list);
/* Borrowed from the list; NULL when index is out of range. */
SOULBOX_API const soulbox_sandbox_info*
soulbox_sandbox_info_list_get(const soulbox_sandbox_info_list* list, size_t index);

/* ---------------------------------------------------------------- commands ---- */

typedef struct soulbox_process soulbox_process; /* a command or a terminal */
typedef struct soulbox_command_result soulbox_command_result;
typedef struct soulbox_process_info soulbox_process_info;
typedef struct soulbox_process_info_list soulbox_process_info_list;

typedef struct soulbox_run_options {
    size_t struct_size; /* sizeof(soulbox_run_options), set by _init */
    const soulbox_kv* envs;
    size_t envs_count;
    const char* cwd;             /* NULL: the user's home; relative: from it */
    const char* user;            /* "user" (uid 1000, the default) or "root" */
    int64_t timeout_ms;          /* kills the process tree; default 60000; 0 = no timeout */
    soulbox_output_fn on_stdout; /* optional; event-loop thread */
    soulbox_output_fn on_stderr; /* optional; event-loop thread */
    void* user_data;             /* passed to on_stdout and on_stderr */
    int stdin_open;              /* nonzero: keep stdin open for send_stdin; else /dev/null */
    const char* tag;             /* shown by soulbox_commands_list */
    size_t max_output_bytes;     /* per stream, for the stored result; default 64 MiB */
} soulbox_run_options;

SOULBOX_API int soulbox_run_options_init(soulbox_run_options* opts);

/* Run `cmd` with /bin/bash -l -c and wait for it. A command that exits non-zero is still
 * SOULBOX_OK: see the result's exit code and error. opts may be NULL. */
SOULBOX_API int soulbox_commands_run(soulbox_command_result** out, soulbox_sandbox* sbx,
                                     const char* cmd, const soulbox_run_options* opts,
                                     soulbox_error** err);
/* argv form: no shell. argv has argc strings (argc >= 1). */
SOULBOX_API int soulbox_commands_run_argv(soulbox_command_result** out, soulbox_sandbox* sbx,
                                          const char* const* argv, size_t argc,
                                          const soulbox_run_options* opts, soulbox_error** err);
/* Background forms: return at once with a process handle. The callbacks in opts run until the
 * process ends or the handle is disconnected or freed; user_data must live that long. */
SOULBOX_API int soulbox_commands_start(soulbox_process** out, soulbox_sandbox* sbx, const char* cmd,
                                       const soulbox_run_options* opts, soulbox_error** err);
SOULBOX_API int soulbox_commands_start_argv(soulbox_process** out, soulbox_sandbox* sbx,
                                            const char* const* argv, size_t argc,
                                            const soulbox_run_options* opts, soulbox_error** err);
SOULBOX_API int soulbox_commands_list(soulbox_process_info_list** out, soulbox_sandbox* sbx,
                                      soulbox_error** err);
/* Attach to a running process (from any host process); output from now on. Callbacks may be
 * NULL. A handle of this sandbox handle still connected to the pid is disconnected (takeover);
 * through another sandbox handle this fails with SOULBOX_ERR_ALREADY_EXISTS. */
SOULBOX_API int soulbox_commands_connect(soulbox_process** out, soulbox_sandbox* sbx, int pid,
                                         soulbox_output_fn on_stdout, soulbox_output_fn on_stderr,
                                         void* user_data, soulbox_error** err);
SOULBOX_API int soulbox_commands_kill(soulbox_sandbox* sbx, int pid, int signal,
                                      soulbox_error** err);
SOULBOX_API int soulbox_commands_send_stdin(soulbox_sandbox* sbx, int pid, const void* data,
                                            size_t len, soulbox_error** err);

/* soulbox_process: a handle on a running (or finished) command or terminal. */
/* The process id inside the sandbox; NULL: 0. */
SOULBOX_API int soulbox_process_pid(const soulbox_process* proc);
/* Wait for the process to end and its output to be read. Not from a callback. */
SOULBOX_API int soulbox_process_wait(soulbox_command_result** out, soulbox_process* proc,
                                     soulbox_error** err);
SOULBOX_API int soulbox_process_kill(soulbox_process* proc, int signal, soulbox_error** err);
SOULBOX_API int soulbox_process_send_stdin(soulbox_process* proc, const void* data, size_t len,
                                           soulbox_error** err);
SOULBOX_API int soulbox_process_close_stdin(soulbox_process* proc, soulbox_error** err);
/* Stop receiving output (callbacks stop before this returns); the process keeps running and
 * can be connected again. wait() then fails with SOULBOX_ERR_INVALID_ARGUMENT. */
SOULBOX_API int soulbox_process_disconnect(soulbox_process* proc, soulbox_error** err);
/* Disconnects (callbacks stop before this returns) and frees; the process keeps running. */
SOULBOX_API void soulbox_process_free(soulbox_process* proc);

/* soulbox_command_result: what a finished process left. NULL result: 0 / NULL / "". */
SOULBOX_API void soulbox_command_result_free(soulbox_command_result* res);
/* -1 when killed by a signal. */
SOULBOX_API int soulbox_command_result_exit_code(const soulbox_command_result* res);
/* Terminating signal, 0 if it exited. */
SOULBOX_API int soulbox_command_result_signal(const soulbox_command_result* res);
/* Output bytes, NUL-terminated for convenience (*len excludes the NUL; len may be NULL). */
SOULBOX_API const char* soulbox_command_result_stdout(const soulbox_command_result* res,
                                                      size_t* len);
SOULBOX_API const char* soulbox_command_result_stderr(const soulbox_command_result* res,
                                                      size_t* len);
/* "" when the process simply exited 0; else why not ("exit status 3", "command timed out"). */
SOULBOX_API const char* soulbox_command_result_error(const soulbox_command_result* res);
SOULBOX_API int soulbox_command_result_timed_out(const soulbox_command_result* res);
SOULBOX_API int soulbox_command_result_oom_killed(const soulbox_command_result* res);
/* The stored output stops at max_output_bytes; callbacks still saw all of it. */
SOULBOX_API int soulbox_command_result_stdout_truncated(const soulbox_command_result* res);
SOULBOX_API int soulbox_command_result_stderr_truncated(const soulbox_command_result* res);

/* soulbox_process_info_list / soulbox_process_info: processes started by the API. */
SOULBOX_API void soulbox_process_info_list_free(soulbox_process_info_list* list);
SOULBOX_API size_t soulbox_process_info_list_count(const soulbox_process_info_list* list);
SOULBOX_API const soulbox_process_info*
soulbox_process_info_list_get(const soulbox_process_info_list* list, size_t index);
SOULBOX_API int soulbox_process_info_pid(const soulbox_process_info* info);
SOULBOX_API const char* soulbox_process_info_tag(const soulbox_process_info* info);
SOULBOX_API const char* soulbox_process_info_cmd(const soulbox_process_info* info); /* argv[0] */
SOULBOX_API size_t soulbox_process_info_arg_count(const soulbox_process_info* info);
SOULBOX_API const char* soulbox_process_info_arg(const soulbox_process_info* info, size_t index);
SOULBOX_API size_t soulbox_process_info_env_count(const soulbox_process_info* info);
SOULBOX_API const char* soulbox_process_info_env_key(const soulbox_process_info* info,
                                                     size_t index);
SOULBOX_API const char* soulbox_process_info_env_value(const soulbox_process_info* info,
                                                       size_t index);
SOULBOX_API const char* soulbox_process_info_cwd(const soulbox_process_info* info);

/* ---------------------------------------------------------------- terminals ---- */

typedef struct soulbox_pty_options {
    size_t struct_size;      /* sizeof(soulbox_pty_options), set by _init */
    uint16_t rows;           /* default 24 */
    uint16_t cols;           /* default 80 */
    const char* const* argv; /* NULL: /bin/bash -i -l */
    size_t argc;
    const char* cwd;        /* NULL: the user's home; relative: from it */
    const char* user;       /* "user" (default) or "root" */
    const soulbox_kv* envs; /* TERM=xterm-256color and LANG=C.UTF-8 unless given */
    size_t envs_count;
    int64_t timeout_ms;        /* 0 (default) = lives until killed or the sandbox ends */
    soulbox_output_fn on_data; /* terminal output; event-loop thread; optional */
    void* user_data;
} soulbox_pty_options;

SOULBOX_API int soulbox_pty_options_init(soulbox_pty_options* opts);

/* A terminal is a soulbox_process: soulbox_process_send_stdin types into it, its output goes to
 * on_data and into the result's stdout. It survives its handle until killed. opts may be NULL. */
SOULBOX_API int soulbox_pty_create(soulbox_process** out, soulbox_sandbox* sbx,
                                   const soulbox_pty_options* opts, soulbox_error** err);
SOULBOX_API int soulbox_pty_send_stdin(soulbox_sandbox* sbx, int pid, const void* data, size_t len,
                                       soulbox_error** err);
/* The program sees the new size and gets SIGWINCH. */
SOULBOX_API int soulbox_pty_resize(soulbox_sandbox* sbx, int pid, uint16_t rows, uint16_t cols,
                                   soulbox_error** err);
SOULBOX_API int soulbox_pty_kill(soulbox_sandbox* sbx, int pid, soulbox_error** err);
SOULBOX_API int soulbox_pty_connect(soulbox_process** out, soulbox_sandbox* sbx, int pid,
                                    soulbox_output_fn on_data, void* user_data,
                                    soulbox_error** err);

/* ---------------------------------------------------------------- files ---- */

typedef struct soulbox_entry soulbox_entry;
typedef struct soulbox_entry_list soulbox_entry_list;
typedef struct soulbox_watch soulbox_watch;
typedef struct soulbox_event_list soulbox_event_list;

typedef enum soulbox_file_type {
    SOULBOX_FILE_TYPE_FILE = 0,
    SOULBOX_FILE_TYPE_DIR = 1,
    SOULBOX_FILE_TYPE_SYMLINK = 2,
    SOULBOX_FILE_TYPE_OTHER = 3
} soulbox_file_type;

typedef enum soulbox_event_type {
    SOULBOX_EVENT_CREATE = 0,
    SOULBOX_EVENT_WRITE = 1,
    SOULBOX_EVENT_REMOVE = 2,
    SOULBOX_EVENT_RENAME = 3,
    SOULBOX_EVENT_CHMOD = 4
} soulbox_event_type;

typedef struct soulbox_file_options {
    size_t struct_size; /* sizeof(soulbox_file_options), set by _init */
    const char* user;   /* "user" (default) or "root": whose permissions apply */
} soulbox_file_options;

SOULBOX_API int soulbox_file_options_init(soulbox_file_options* opts);

/* One file for soulbox_files_write_files. */
typedef struct soulbox_write_entry {
    const char* path;
    const void* data;
    size_t len;
} soulbox_write_entry;

/* read_stream: called on the caller's thread with each chunk; return 0 to go on, nonzero to
 * stop early (the read still succeeds). */
typedef int (*soulbox_chunk_sink_fn)(const char* data, size_t len, void* user_data);
/* write_stream: called on the caller's thread; fill up to `capacity` bytes of `buffer`, store
 * the count in *filled (0 = end of data) and return 0; nonzero aborts the write
 * (SOULBOX_ERR_IO, nothing is written). */
typedef int (*soulbox_chunk_source_fn)(char* buffer, size_t capacity, size_t* filled,
                                       void* user_data);
/* A watch event; `name` is relative to the watched directory and valid only during the call.
 * Runs on a library worker thread, in order per watch. */
typedef void (*soulbox_event_fn)(soulbox_event_type type, const char* name, void* user_data);

/* Paths are absolute or relative to the user's home, inside the sandbox. `opts` may be NULL
 * everywhere. */

/* The whole file in a buffer the caller frees with soulbox_free(); it has a NUL after *len
 * bytes, so text can be used as a C string. */
SOULBOX_API int soulbox_files_read(void** data, size_t* len, soulbox_sandbox* sbx, const char* path,
                                   const soulbox_file_options* opts, soulbox_error** err);
/* The whole file into the caller's memory, with no copy: reserve(capacity, user_data) returns a
 * buffer of capacity + 1 bytes that keeps what it held (it is called once with the file's size,
 * and again, larger, only if the file grows meanwhile) or NULL (SOULBOX_ERR_INTERNAL, ENOMEM).
 * *len is the size; a NUL follows the data. */
typedef char* (*soulbox_reserve_fn)(size_t capacity, void* user_data);
SOULBOX_API int soulbox_files_read_into(size_t* len, soulbox_sandbox* sbx, const char* path,
                                        soulbox_reserve_fn reserve, void* user_data,
                                        const soulbox_file_options* opts, soulbox_error** err);
SOULBOX_API int soulbox_files_read_stream(soulbox_sandbox* sbx, const char* path,
                                          soulbox_chunk_sink_fn sink, void* user_data,
                                          const soulbox_file_options* opts, soulbox_error** err);
/* Create or replace atomically; missing parents are created. *out describes the new file. */
SOULBOX_API int soulbox_files_write(soulbox_entry** out, soulbox_sandbox* sbx, const char* path,
                                    const void* data, size_t len, const soulbox_file_options* opts,
                                    soulbox_error** err);
SOULBOX_API int soulbox_files_write_stream(soulbox_entry** out, soulbox_sandbox* sbx,
                                           const char* path, soulbox_chunk_source_fn source,
                                           void* user_data, const soulbox_file_options* opts,
                                           soulbox_error** err);
SOULBOX_API int soulbox_files_write_files(soulbox_entry_list** out, soulbox_sandbox* sbx,
                                          const soulbox_write_entry* files, size_t count,
                                          const soulbox_file_options* opts, soulbox_error** err);
/* Entries below `path`, `depth` levels deep (1 = the directory's own entries). */
SOULBOX_API int soulbox_files_list(soulbox_entry_list** out, soulbox_sandbox* sbx, const char* path,
                                   int depth, const soulbox_file_options* opts,
                                   soulbox_error** err);
SOULBOX_API int soulbox_files_exists(int* exists, soulbox_sandbox* sbx, const char* path,
                                     const soulbox_file_options* opts, soulbox_error** err);
/* Does not follow a final symlink. */
SOULBOX_API int soulbox_files_get_info(soulbox_entry** out, soulbox_sandbox* sbx, const char* path,
                                       const soulbox_file_options* opts, soulbox_error** err);
/* Files, symlinks and whole directory trees. */
SOULBOX_API int soulbox_files_remove(soulbox_sandbox* sbx, const char* path,
                                     const soulbox_file_options* opts, soulbox_error** err);
SOULBOX_API int soulbox_files_rename(soulbox_entry** out, soulbox_sandbox* sbx,
                                     const char* old_path, const char* new_path,
                                     const soulbox_file_options* opts, soulbox_error** err);
/* *created is 0 when the directory already existed; parents are created. */
SOULBOX_API int soulbox_files_make_dir(int* created, soulbox_sandbox* sbx, const char* path,
                                       const soulbox_file_options* opts, soulbox_error** err);
/* Events go to on_event (optional; a worker thread) and are always queued for
 * soulbox_watch_get_new_events. on_event runs until the watch is stopped or freed. */
SOULBOX_API int soulbox_files_watch_dir(soulbox_watch** out, soulbox_sandbox* sbx, const char* path,
                                        int recursive, soulbox_event_fn on_event, void* user_data,
                                        const soulbox_file_options* opts, soulbox_error** err);

/* soulbox_entry: one file's metadata. NULL entry: 0 / "" / NULL. */
SOULBOX_API void soulbox_entry_free(soulbox_entry* entry);
SOULBOX_API const char* soulbox_entry_name(const soulbox_entry* entry); /* last component */
SOULBOX_API const char* soulbox_entry_path(const soulbox_entry* entry); /* absolute */
SOULBOX_API soulbox_file_type soulbox_entry_type(const soulbox_entry* entry);
SOULBOX_API uint64_t soulbox_entry_size(const soulbox_entry* entry);
SOULBOX_API uint32_t soulbox_entry_mode(const soulbox_entry* entry);           /* 07777 bits */
SOULBOX_API const char* soulbox_entry_permissions(const soulbox_entry* entry); /* "-rw-r--r--" */
SOULBOX_API const char* soulbox_entry_owner(const soulbox_entry* entry);
SOULBOX_API const char* soulbox_entry_group(const soulbox_entry* entry);
SOULBOX_API int64_t soulbox_entry_modified_time_ms(const soulbox_entry* entry);
/* NULL unless the entry is a symlink. */
SOULBOX_API const char* soulbox_entry_symlink_target(const soulbox_entry* entry);

SOULBOX_API void soulbox_entry_list_free(soulbox_entry_list* list);
SOULBOX_API size_t soulbox_entry_list_count(const soulbox_entry_list* list);
SOULBOX_API const soulbox_entry* soulbox_entry_list_get(const soulbox_entry_list* list,
                                                        size_t index);

/* soulbox_watch: a directory watch. */
/* Events since the last call (or since the watch began). */
SOULBOX_API int soulbox_watch_get_new_events(soulbox_event_list** out, soulbox_watch* watch,
                                             soulbox_error** err);
/* Stops the watch; on_event is not running and will not run once this returns. */
SOULBOX_API int soulbox_watch_stop(soulbox_watch* watch, soulbox_error** err);
/* Stops (as soulbox_watch_stop) and frees. */
SOULBOX_API void soulbox_watch_free(soulbox_watch* watch);

SOULBOX_API void soulbox_event_list_free(soulbox_event_list* list);
SOULBOX_API size_t soulbox_event_list_count(const soulbox_event_list* list);
/* SOULBOX_EVENT_CREATE when index is out of range. */
SOULBOX_API soulbox_event_type soulbox_event_list_type(const soulbox_event_list* list,
                                                       size_t index);
/* Relative to the watched directory; NULL when index is out of range. */
SOULBOX_API const char* soulbox_event_list_name(const soulbox_event_list* list, size_t index);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* SOULBOX_SOULBOX_H */
