#include "core/json_writer.hpp"

#include <cmath>
#include <cstdio>
#include <fmt/format.h>

namespace soulbox::json {
namespace {

// Length of the valid UTF-8 sequence starting at text[i], or 0 if it is invalid.
std::size_t utf8_sequence(std::string_view text, std::size_t i) {
    auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
    unsigned char c = byte(i);
    std::size_t len = c < 0x80           ? 1
                      : (c >> 5) == 0x6  ? 2
                      : (c >> 4) == 0xe  ? 3
                      : (c >> 3) == 0x1e ? 4
                                         : 0;
    if (len == 0 || i + len > text.size()) return 0;
    for (std::size_t k = 1; k < len; ++k)
        if ((byte(i + k) & 0xc0) != 0x80) return 0;
    if (len == 2 && c < 0xc2) return 0; // overlong
    if (len == 3) {
        unsigned cp = (c & 0x0fu) << 12 | (byte(i + 1) & 0x3fu) << 6 | (byte(i + 2) & 0x3fu);
        if (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
    }
    if (len == 4) {
        unsigned cp = (c & 0x07u) << 18 | (byte(i + 1) & 0x3fu) << 12 | (byte(i + 2) & 0x3fu) << 6 |
                      (byte(i + 3) & 0x3fu);
        if (cp < 0x10000 || cp > 0x10ffff) return 0;
    }
    return len;
}

} // namespace

std::string quote(std::string_view text) {
    std::string out;
    out.reserve(text.size() + 2);
    out.push_back('"');
    for (std::size_t i = 0; i < text.size();) {
        unsigned char c = static_cast<unsigned char>(text[i]);
        std::size_t len = utf8_sequence(text, i);
        if (len == 0) {
            out += "\xef\xbf\xbd";
            ++i;
            continue;
        }
        if (len > 1) {
            out.append(text.substr(i, len));
            i += len;
            continue;
        }
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        default:
            if (c < 0x20) {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\u%04x", c);
                out += buf;
            } else {
                out.push_back(static_cast<char>(c));
            }
        }
        ++i;
    }
    out.push_back('"');
    return out;
}

bool is_valid_utf8(std::string_view text) {
    for (std::size_t i = 0; i < text.size();) {
        std::size_t len = utf8_sequence(text, i);
        if (len == 0) return false;
        i += len;
    }
    return true;
}

std::string& ObjectWriter::key(std::string_view name) {
    if (out_.size() > 1) out_ += ',';
    out_ += quote(name);
    out_ += ':';
    return out_;
}

ObjectWriter& ObjectWriter::str(std::string_view name, std::string_view value) {
    key(name) += quote(value);
    return *this;
}

ObjectWriter& ObjectWriter::u64(std::string_view name, std::uint64_t value) {
    key(name) += std::to_string(value);
    return *this;
}

ObjectWriter& ObjectWriter::i64(std::string_view name, std::int64_t value) {
    key(name) += std::to_string(value);
    return *this;
}

ObjectWriter& ObjectWriter::number(std::string_view name, double value) {
    // fmt's "{}" is the shortest form that reads back exactly; JSON has no inf or nan.
    key(name) += std::isfinite(value) ? fmt::format("{}", value) : "null";
    return *this;
}

ObjectWriter& ObjectWriter::boolean(std::string_view name, bool value) {
    key(name) += value ? "true" : "false";
    return *this;
}

ObjectWriter& ObjectWriter::raw(std::string_view name, std::string_view json) {
    key(name) += json;
    return *this;
}

std::string ObjectWriter::finish() {
    out_ += '}';
    return std::move(out_);
}

std::string array(const std::vector<std::string>& encoded) {
    std::string out = "[";
    for (const auto& item : encoded) {
        if (out.size() > 1) out += ',';
        out += item;
    }
    return out + "]";
}

} // namespace soulbox::json
