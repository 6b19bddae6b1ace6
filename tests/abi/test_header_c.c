/* soulbox.h compiles as strict C99 (-std=c99 -pedantic -Werror -Wall -Wextra), and a C program
 * links against libsoulbox and finds the version it was built for. */
#include "soulbox/soulbox.h"
#include "soulbox/soulbox.h" /* include guard */

#include <stdio.h>
#include <string.h>

int main(void) {
    soulbox_sandbox_options sandbox_options;
    soulbox_run_options run_options;
    soulbox_pty_options pty_options;
    soulbox_file_options file_options;
    soulbox_kv kv = {"key", "value"};
    soulbox_write_entry entry = {"/tmp/x", "x", 1};
    soulbox_output_fn output = NULL;
    soulbox_errc code = SOULBOX_ERR_IS_A_DIRECTORY;
    soulbox_file_type type = SOULBOX_FILE_TYPE_SYMLINK;
    soulbox_event_type event = SOULBOX_EVENT_CHMOD;
    soulbox_subject subject = SOULBOX_SUBJECT_TEMPLATE_NAME;
    soulbox_sandbox_state state = SOULBOX_SANDBOX_FOREIGN;
    int failures = 0;

    failures += soulbox_sandbox_options_init(&sandbox_options) != SOULBOX_OK;
    failures += soulbox_run_options_init(&run_options) != SOULBOX_OK;
    failures += soulbox_pty_options_init(&pty_options) != SOULBOX_OK;
    failures += soulbox_file_options_init(&file_options) != SOULBOX_OK;
    failures += sandbox_options.struct_size != sizeof sandbox_options;
    failures += run_options.struct_size != sizeof run_options;
    failures += pty_options.struct_size != sizeof pty_options;
    failures += file_options.struct_size != sizeof file_options;
    failures += soulbox_version_check(SOULBOX_VERSION_MAJOR, SOULBOX_VERSION_MINOR) != SOULBOX_OK;
    failures += strcmp(soulbox_version(), SOULBOX_VERSION_STRING) != 0;
    failures += soulbox_error_subject(NULL) != SOULBOX_SUBJECT_NONE;
    failures += strcmp(soulbox_subject_name(subject), "template") != 0;
    failures += soulbox_sandbox_info_state(NULL) != SOULBOX_SANDBOX_STOPPED;
    (void)kv, (void)entry, (void)output, (void)code, (void)type, (void)event, (void)state;
    printf("%d passed, %d failed\n", 13 - failures, failures);
    return failures ? 1 : 0;
}
