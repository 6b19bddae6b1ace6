// Error values: the generated code and subject tables (src/core/error_codes.txt) and the subject
// an error carries.
#include "soulbox/error.hpp"

#include <cerrno>
#include <doctest/doctest.h>

using namespace soulbox;

TEST_CASE("codes and subjects have their names; other numbers are unknown") {
    CHECK(errc_name(Errc::ok) == "ok");
    CHECK(errc_name(Errc::not_found) == "not found");
    CHECK(errc_name(Errc::is_a_directory) == "is a directory");
    CHECK(errc_name(static_cast<Errc>(99)) == "unknown error");
    CHECK(errc_name(static_cast<Errc>(-1)) == "unknown error");
    CHECK(error_subject_name(ErrorSubject::none) == "none");
    CHECK(error_subject_name(ErrorSubject::path) == "path");
    CHECK(error_subject_name(ErrorSubject::template_name) == "template");
    CHECK(error_subject_name(static_cast<ErrorSubject>(99)) == "unknown");
}

TEST_CASE("an error's subject is the first one said") {
    Error e = make_error(Errc::not_found, "no such thing");
    CHECK(e.subject == ErrorSubject::none);
    e.about(ErrorSubject::path);
    CHECK(e.subject == ErrorSubject::path);
    // An outer layer that also knows a subject does not overwrite what the inner one said.
    e.about(ErrorSubject::process).context("outer");
    CHECK(e.subject == ErrorSubject::path);
    CHECK(e.message == "outer: no such thing");
    CHECK(sys_error("open", ENOENT).subject == ErrorSubject::none);
}
