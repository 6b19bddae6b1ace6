// Error objects, versions and library-allocated buffers.
#include "common.hpp"

#include <cstdio>
#include <cstdlib>

using namespace soulbox;

// soulbox_errc and soulbox_subject are soulbox::Errc and soulbox::ErrorSubject: both pairs are
// generated from one list (src/core/error_codes.txt), so the numbers agree by construction.

namespace {

// A C string for a number of one of the generated name tables; "unknown" for any other.
template <std::size_t N>
const char* name_of(const std::string_view (&names)[N], int number) noexcept {
    // The names are string literals, so data() is NUL-terminated and static.
    return number >= 0 && static_cast<std::size_t>(number) < N ? names[number].data() : "unknown";
}

} // namespace

extern "C" {

int soulbox_error_code(const soulbox_error* err) {
    return err ? static_cast<int>(err->error.code) : SOULBOX_OK;
}

int soulbox_error_errno(const soulbox_error* err) {
    return err ? err->error.sys_errno : 0;
}

const char* soulbox_error_message(const soulbox_error* err) {
    return err ? err->error.message.c_str() : "";
}

void soulbox_error_free(soulbox_error* err) {
    delete err;
}

const char* soulbox_errc_name(int code) {
    return name_of(detail::kErrcNames, code);
}

int soulbox_error_subject(const soulbox_error* err) {
    return err ? static_cast<int>(err->error.subject) : SOULBOX_SUBJECT_NONE;
}

const char* soulbox_subject_name(int subject) {
    return name_of(detail::kErrorSubjectNames, subject);
}

const char* soulbox_version(void) {
    return SOULBOX_VERSION_STRING;
}

int soulbox_version_check(int major, int minor) {
    return major == SOULBOX_VERSION_MAJOR && minor >= 0 && minor <= SOULBOX_VERSION_MINOR
               ? SOULBOX_OK
               : SOULBOX_ERR_UNSUPPORTED;
}

void soulbox_free(void* ptr) {
    std::free(ptr);
}

} // extern "C"
