// soulbox.h compiles as C++ (extern "C" guards; built at C++11 and at the project's standard)
// and the declarations link with C linkage.
#include "soulbox/soulbox.h"

#include <cstdio>
#include <cstring>

static_assert(SOULBOX_OK == 0, "SOULBOX_OK is 0");

int main() {
    soulbox_sandbox_options options;
    int failures = 0;
    failures += soulbox_sandbox_options_init(&options) != SOULBOX_OK;
    failures += options.struct_size != sizeof options;
    failures += std::strcmp(soulbox_version(), SOULBOX_VERSION_STRING) != 0;
    soulbox_error* err = nullptr;
    soulbox_sandbox* sbx = nullptr;
    failures += soulbox_sandbox_connect(&sbx, nullptr, &err) != SOULBOX_ERR_INVALID_ARGUMENT;
    failures += soulbox_error_code(err) != SOULBOX_ERR_INVALID_ARGUMENT;
    failures += soulbox_error_subject(err) != SOULBOX_SUBJECT_NONE; // a 0.2 symbol, C linkage
    soulbox_error_free(err);
    std::printf("%d passed, %d failed\n", 6 - failures, failures);
    return failures ? 1 : 0;
}
