// Fuzz target for the [[device]] tables of the daemon config: arbitrary bytes as a config file,
// parsed against the compiled-in drivers. Whatever the input, parse() must not crash or throw;
// every accepted device must name a registered driver, have a well-formed id unique on the node,
// and carry a valid value for exactly the parameters of its driver's manifest.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>

#include "daemon/config/config.hpp"
#include "drivers/builtin.hpp"
#include "drivers/sdk/manifest.hpp"
#include "drivers/sdk/registry.hpp"

namespace {

void require(bool condition, const char* what) {
    if (!condition) {
        static_cast<void>(
            std::fprintf(stderr, "devices_config_fuzz: invariant violated: %s\n", what));
        std::abort();
    }
}

bool is_device_id(std::string_view id) {
    const auto allowed = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
    return !id.empty() && id.size() <= 32 && allowed(id.front()) &&
           std::ranges::all_of(id, [&](char c) { return allowed(c) || c == '-' || c == '_'; });
}

void check_accepted(const hk::config::Config& config) {
    const auto& registry = hk::drivers::builtin_drivers();
    std::set<std::string> ids;
    for (const auto& device : config.devices) {
        require(is_device_id(device.id), "a device id matches [a-z0-9][a-z0-9_-]{0,31}");
        require(ids.insert(device.id).second, "device ids are unique");
        const auto* driver = registry.find(device.driver);
        require(driver != nullptr, "a device names a registered driver");
        const auto& manifest = driver->manifest;
        require(device.params.size() == manifest.parameters.size(),
                "a device has a value for every parameter and no other");
        for (const auto& spec : manifest.parameters) {
            const auto value = device.params.find(spec.name);
            require(value != device.params.end(), "every parameter has a value");
            require(!hk::drivers::check_value(spec, value->second).has_value(),
                    "every parameter value is valid for its parameter");
        }
        const bool hardware = hk::drivers::has_hardware_path(manifest.transport);
        require(hardware || (!device.port && !device.match),
                "a driver without hardware has no port or match");
        require(!(device.port && device.match), "port and match are not both set");
        require(!device.port || device.port->starts_with("/dev/"), "a port is under /dev/");
    }
}

}  // namespace

// The libFuzzer entry point (no libFuzzer header declares it).
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto result = hk::config::parse(text, "fuzz.toml");
    if (result) {
        check_accepted(*result);
    } else {
        require(!result.error().empty(), "a rejection has at least one error");
    }
    return 0;
}
