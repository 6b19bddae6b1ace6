// Minimal JSON output (state files, CLI --json). Parsing uses simdjson.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace soulbox::json {

// A JSON string literal with quotes; bytes that are not valid UTF-8 become U+FFFD.
std::string quote(std::string_view text);
bool is_valid_utf8(std::string_view text);

// Builds one JSON object: `ObjectWriter w; w.str("id", id).u64("n", 1); w.finish()`.
// Values are written as given; nested objects and arrays go in through raw().
class ObjectWriter {
public:
    ObjectWriter& str(std::string_view key, std::string_view value);
    ObjectWriter& u64(std::string_view key, std::uint64_t value);
    ObjectWriter& i64(std::string_view key, std::int64_t value);
    ObjectWriter& number(std::string_view key, double value); // shortest exact form
    ObjectWriter& boolean(std::string_view key, bool value);
    ObjectWriter& raw(std::string_view key, std::string_view json);
    std::string finish();

private:
    std::string& key(std::string_view key);
    std::string out_ = "{";
};

// A JSON array of already encoded values.
std::string array(const std::vector<std::string>& encoded);

} // namespace soulbox::json
