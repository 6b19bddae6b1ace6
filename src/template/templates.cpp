#include "template/templates.hpp"

#include <algorithm>

namespace soulbox::templates {
namespace {

const std::vector<Template>& table() {
    static const std::vector<Template> templates{host_template()};
    return templates;
}

} // namespace

const Template* find(std::string_view name) {
    for (const auto& t : table())
        if (t.name == name || std::ranges::find(t.aliases, name) != t.aliases.end()) return &t;
    return nullptr;
}

std::span<const Template> all() {
    return table();
}

} // namespace soulbox::templates
