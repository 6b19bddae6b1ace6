// Fuzzes the SandboxSpec JSON codec: any input is parsed without crashing, and any spec that
// parses (and so validates) writes back to JSON that parses to the same spec.
#include "spec/spec_json.hpp"

#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    auto spec = soulbox::spec::spec_from_json(input);
    if (!spec) return 0;
    std::string json = soulbox::spec::spec_to_json(*spec);
    auto again = soulbox::spec::spec_from_json(json);
    if (!again || !(*again == *spec)) std::abort(); // the codec lost or changed something
    return 0;
}
