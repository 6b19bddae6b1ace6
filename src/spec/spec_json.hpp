// The JSON form of a SandboxSpec: written by spec_to_json, read (simdjson) by spec_from_json.
// Unknown keys are ignored, so a newer writer's additions do not break this reader; a higher
// schema_version is refused with Errc::unsupported.
#pragma once

#include "spec/spec.hpp"

#include <simdjson.h>
#include <string>
#include <string_view>

namespace soulbox::spec {

std::string spec_to_json(const SandboxSpec& spec);
// Parses and validates.
Result<SandboxSpec> spec_from_json(std::string_view json);
// The same, from an already parsed object (a spec nested in a larger document).
Result<SandboxSpec> spec_from_json(simdjson::ondemand::object object);

} // namespace soulbox::spec
