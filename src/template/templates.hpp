// The template table: each template is data, a list of mount operations (spec/mount_op.hpp).
// File contents may hold placeholders that build_spec() fills from the spec: {user} {uid}
// {gid} {home} {hostname}. The templates issue adds entries (images, Dockerfiles) here.
#pragma once

#include "spec/mount_op.hpp"

#include <span>
#include <string_view>
#include <vector>

namespace soulbox::templates {

struct Template {
    std::string_view name;
    std::string_view description;
    std::vector<spec::MountOp> mounts;
    // Other names that select this template: E2B scripts name their default template "base".
    std::vector<std::string_view> aliases = {};
};

// nullptr when there is no template of that name.
const Template* find(std::string_view name);
std::span<const Template> all();

// The built-in `host` template (host_template.cpp).
Template host_template();

} // namespace soulbox::templates
