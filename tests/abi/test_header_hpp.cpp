// The C++ layer (soulbox.hpp) is header-only over the C ABI: it compiles as strict C++23 with
// only include/ on the path and links against libsoulbox.so alone. Its numbers agree with the
// C ones, its handles own what they should, and a C failure arrives as the same Error.
#include "soulbox/soulbox.hpp"

#include <cstdio>
#include <string>
#include <type_traits>

using namespace soulbox;

static_assert(static_cast<int>(Errc::not_found) == SOULBOX_ERR_NOT_FOUND);
static_assert(static_cast<int>(Errc::is_a_directory) == SOULBOX_ERR_IS_A_DIRECTORY);
static_assert(static_cast<int>(SandboxState::foreign) == SOULBOX_SANDBOX_FOREIGN);
static_assert(static_cast<int>(FileType::symlink) == SOULBOX_FILE_TYPE_SYMLINK);
static_assert(static_cast<int>(FilesystemEventType::chmod) == SOULBOX_EVENT_CHMOD);
static_assert(static_cast<int>(ErrorSubject::template_name) == SOULBOX_SUBJECT_TEMPLATE_NAME);
// Owners of C handles: movable, never copyable.
static_assert(!std::is_copy_constructible_v<Sandbox> &&
              std::is_nothrow_move_constructible_v<Sandbox>);
static_assert(!std::is_copy_constructible_v<CommandHandle> &&
              std::is_nothrow_move_constructible_v<CommandHandle>);
static_assert(!std::is_copy_constructible_v<WatchHandle> &&
              std::is_nothrow_move_constructible_v<WatchHandle>);

namespace {

int passed = 0, failed = 0;

void check(bool ok, const char* what) {
    ++(ok ? passed : failed);
    if (!ok) std::fprintf(stderr, "CHECK failed: %s\n", what);
}

} // namespace

int main() {
    // A well-formed id that names no sandbox, and one that is malformed: the C error's code,
    // errno and message come through unchanged.
    auto missing = Sandbox::connect("0000000000000000");
    check(!missing && missing.error().code == Errc::not_found, "connect unknown id: not_found");
    check(!missing && missing.error().message.find("0000000000000000") != std::string::npos,
          "the message names the id");
    check(!missing && missing.error().subject == ErrorSubject::sandbox,
          "the error is about the sandbox");
    auto malformed = Sandbox::connect("not an id!");
    check(!malformed && malformed.error().code == Errc::invalid_argument,
          "connect malformed id: invalid_argument");
    soulbox_error* err = nullptr;
    soulbox_sandbox* raw = nullptr;
    int status = soulbox_sandbox_connect(&raw, "not an id!", &err);
    std::string c_message = soulbox_error_message(err);
    auto mapped = detail::to_error(status, err); // frees err
    check(!malformed && mapped.code == malformed.error().code &&
              mapped.message == malformed.error().message && mapped.sys_errno == 0,
          "to_error maps a C error as the layer reports it");
    check(mapped.message == c_message, "to_error keeps the C message");
    // A spec that the library refuses starts nothing.
    auto refused = Sandbox::create_from_spec_json(R"({"user":{"uid":0}})");
    check(!refused && refused.error().code == Errc::invalid_argument,
          "create_from_spec_json refuses an invalid spec");
    auto not_json = Sandbox::create_from_spec_json("{not json");
    check(!not_json, "create_from_spec_json refuses what is not JSON");
    std::printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
