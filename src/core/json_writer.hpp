// Minimal JSON output (state files, CLI --json). Parsing uses simdjson.
#pragma once

#include <string>
#include <string_view>

namespace soulbox::json {

// A JSON string literal with quotes; bytes that are not valid UTF-8 become U+FFFD.
std::string quote(std::string_view text);

} // namespace soulbox::json
