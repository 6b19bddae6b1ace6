// The version script exports exactly the functions soulbox.h declares with SOULBOX_API: a
// function added to one and not the other fails here (check-abi.sh then compares the map with
// what the built library really exports).
#include <cstdio>
#include <fstream>
#include <iterator>
#include <regex>
#include <set>
#include <sstream>
#include <string>

namespace {

std::string slurp(const char* path) {
    std::ifstream in(path);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Names followed by "(" in each SOULBOX_API declaration (up to its ';').
std::set<std::string> header_functions(const std::string& header) {
    std::set<std::string> names;
    std::istringstream lines(header);
    std::string line, text;
    while (std::getline(lines, line))
        if (line.rfind("#", 0) != 0) text += line + ' ';
    std::regex declaration(R"(SOULBOX_API[^;]*?\b(soulbox_[a-z0-9_]+)\s*\()");
    for (std::sregex_iterator it(text.begin(), text.end(), declaration), end; it != end; ++it)
        names.insert((*it)[1]);
    return names;
}

// Entries "name;" of the map's global: parts.
std::set<std::string> map_functions(const std::string& map) {
    std::set<std::string> names;
    std::regex entry(R"(\b(soulbox_[a-z0-9_]+)\s*;)");
    for (std::sregex_iterator it(map.begin(), map.end(), entry), end; it != end; ++it)
        names.insert((*it)[1]);
    return names;
}

} // namespace

int main() {
    auto header = header_functions(slurp(SOULBOX_HEADER));
    auto map = map_functions(slurp(SOULBOX_MAP));
    int failures = 0;
    for (const auto& name : header)
        if (!map.count(name)) {
            std::printf("declared in soulbox.h but not in soulbox.map: %s\n", name.c_str());
            ++failures;
        }
    for (const auto& name : map)
        if (!header.count(name)) {
            std::printf("in soulbox.map but not declared in soulbox.h: %s\n", name.c_str());
            ++failures;
        }
    if (header.size() < 100) {
        std::printf("found only %zu declarations: is the parser broken?\n", header.size());
        ++failures;
    }
    std::printf("%zu functions; %d passed, %d failed\n", header.size(), failures ? 0 : 1, failures);
    return failures ? 1 : 0;
}
