// Error objects, versions and library-allocated buffers.
#include "common.hpp"

#include <cstdio>
#include <cstdlib>

using namespace soulbox;

// The C codes are the C++ numbers; a mismatch must not build.
static_assert(SOULBOX_ERR_INVALID_ARGUMENT == static_cast<int>(Errc::invalid_argument));
static_assert(SOULBOX_ERR_NOT_FOUND == static_cast<int>(Errc::not_found));
static_assert(SOULBOX_ERR_ALREADY_EXISTS == static_cast<int>(Errc::already_exists));
static_assert(SOULBOX_ERR_PERMISSION_DENIED == static_cast<int>(Errc::permission_denied));
static_assert(SOULBOX_ERR_UNSUPPORTED == static_cast<int>(Errc::unsupported));
static_assert(SOULBOX_ERR_LIMIT_UNENFORCEABLE == static_cast<int>(Errc::limit_unenforceable));
static_assert(SOULBOX_ERR_TIMEOUT == static_cast<int>(Errc::timeout));
static_assert(SOULBOX_ERR_NOT_RUNNING == static_cast<int>(Errc::not_running));
static_assert(SOULBOX_ERR_IO == static_cast<int>(Errc::io));
static_assert(SOULBOX_ERR_PROTOCOL == static_cast<int>(Errc::protocol));
static_assert(SOULBOX_ERR_NOT_ENOUGH_SPACE == static_cast<int>(Errc::not_enough_space));
static_assert(SOULBOX_ERR_INTERNAL == static_cast<int>(Errc::internal));
static_assert(SOULBOX_ERR_NOT_A_DIRECTORY == static_cast<int>(Errc::not_a_directory));
static_assert(SOULBOX_ERR_IS_A_DIRECTORY == static_cast<int>(Errc::is_a_directory));

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
    if (code < SOULBOX_OK || code > SOULBOX_ERR_IS_A_DIRECTORY) return "unknown";
    // errc_name returns views of string literals, so data() is NUL-terminated and static.
    return errc_name(static_cast<Errc>(code)).data();
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
