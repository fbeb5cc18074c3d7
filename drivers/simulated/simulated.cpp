// Simulated devices: their manifests, and factories that check a configuration against the
// manifest before building the device of common.hpp's make_* (simulated.hpp).
#include "drivers/simulated/simulated.hpp"

#include <chrono>
#include <expected>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "drivers/simulated/common.hpp"

namespace hk::drivers::simulated {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// Behaviour every simulated device shares: how slowly it answers and how often it fails, so
// that the daemon's handling of slow and failing devices can be shown without hardware.
std::vector<ParameterSpec> common_parameters() {
    return {
        ParameterSpec::duration("response_delay", milliseconds(20), milliseconds(0), seconds(30),
                                "how long the simulated device takes to answer"),
        ParameterSpec::integer("failure_rate_percent", 0, 0, 100,
                               "share of operations that fail with an I/O error"),
        ParameterSpec::integer("seed", 1, 0, 4294967295,
                               "seed of the random sequence deciding which operations fail"),
    };
}

struct ClassParameters {
    std::string_view description;
    std::vector<ParameterSpec> parameters;
};

ClassParameters class_parameters(DeviceClass device_class) {
    switch (device_class) {
        case DeviceClass::ticket_printer:
            return {"simulated thermal ticket printer",
                    {ParameterSpec::integer("paper_capacity", 500, 10, 5000,
                                            "tickets on a full paper roll"),
                     ParameterSpec::integer("paper_low_at", 50, 0, 1000,
                                            "tickets left when it reports paper low"),
                     ParameterSpec::choice("paper_width", "80mm", {"58mm", "80mm"},
                                           "width of the paper roll")}};
        case DeviceClass::id_card_reader:
            return {"simulated resident ID card reader",
                    {ParameterSpec::duration("read_time", milliseconds(800), milliseconds(0),
                                             seconds(10), "how long reading a card takes"),
                     ParameterSpec::boolean("fingerprint", false,
                                            "whether the reader has a fingerprint module")}};
        case DeviceClass::document_camera:
            return {"simulated document camera",
                    {ParameterSpec::choice("resolution", "1920x1080",
                                           {"1280x720", "1920x1080", "2592x1944"},
                                           "resolution of captured images"),
                     ParameterSpec::text("image_dir", "", 256,
                                         "directory of sample images to return; empty: a "
                                         "generated test page")}};
        case DeviceClass::barcode_scanner:
            return {"simulated barcode scanner",
                    {ParameterSpec::text("prefix", "", 16,
                                         "characters the scanner sends before each code"),
                     ParameterSpec::choice("suffix", "enter", {"enter", "tab", "none"},
                                           "key the scanner sends after each code")}};
        case DeviceClass::evaluator:
            return {"simulated evaluator pad",
                    {ParameterSpec::integer("buttons", 4, 2, 5, "number of rating buttons"),
                     ParameterSpec::duration("rating_timeout", seconds(30), seconds(5),
                                             seconds(300), "how long the pad waits for a rating")}};
        case DeviceClass::window_display:
            return {"simulated window LED display",
                    {ParameterSpec::integer("columns", 16, 4, 64, "characters per line"),
                     ParameterSpec::integer("lines", 2, 1, 4, "lines of text")}};
        case DeviceClass::hall_screen:
            return {"simulated hall screen",
                    {ParameterSpec::integer("rows", 8, 1, 32, "queue rows shown at once"),
                     ParameterSpec::duration("page_interval", seconds(10), seconds(2), seconds(120),
                                             "how long each page is shown")}};
        case DeviceClass::speaker:
            return {
                "simulated calling speaker",
                {ParameterSpec::integer("volume", 70, 0, 100, "volume in percent"),
                 ParameterSpec::integer("repeat", 2, 1, 5, "how many times each call is spoken"),
                 ParameterSpec::duration("char_time", milliseconds(200), milliseconds(0),
                                         seconds(2), "how long speaking one character takes")}};
    }
    return {"simulated device", {}};
}

using Maker = std::unique_ptr<Driver> (*)(const DeviceConfig&, DriverContext&);

Maker maker(DeviceClass device_class) {
    switch (device_class) {
        case DeviceClass::ticket_printer:
            return &make_ticket_printer;
        case DeviceClass::id_card_reader:
            return &make_id_card_reader;
        case DeviceClass::document_camera:
            return &make_document_camera;
        case DeviceClass::barcode_scanner:
            return &make_barcode_scanner;
        case DeviceClass::evaluator:
            return &make_evaluator;
        case DeviceClass::window_display:
            return &make_window_display;
        case DeviceClass::hall_screen:
            return &make_hall_screen;
        case DeviceClass::speaker:
            return &make_speaker;
    }
    return &make_ticket_printer;  // not reached: every class is listed
}

// The configuration with every parameter the manifest declares: the values it sets, checked
// as the config parser does, and the defaults for the rest. The daemon hands over validated
// configurations; tests and tools may not, and a driver must never see a bad value.
std::expected<DeviceConfig, std::string> complete_config(const DriverManifest& manifest,
                                                         const DeviceConfig& config) {
    DeviceConfig complete = config;
    for (const auto& [name, value] : config.params) {
        const auto* spec = manifest.parameter(name);
        if (spec == nullptr) {
            return std::unexpected(
                fmt::format("driver '{}' has no parameter '{}'", manifest.name, name));
        }
        if (const auto problem = check_value(*spec, value)) {
            return std::unexpected(fmt::format("parameter '{}': {}", name, *problem));
        }
    }
    for (auto& [name, value] : default_values(manifest)) {
        complete.params.try_emplace(name, std::move(value));
    }
    return complete;
}

DriverFactory factory(DeviceClass device_class) {
    return [device_class](
               const DeviceConfig& config,
               DriverContext& context) -> std::expected<std::unique_ptr<Driver>, std::string> {
        const auto complete = complete_config(manifest(device_class), config);
        if (!complete) {
            return std::unexpected(complete.error());
        }
        return maker(device_class)(*complete, context);
    };
}

}  // namespace

std::string driver_name(DeviceClass device_class) {
    return fmt::format("simulated_{}", to_string(device_class));
}

DriverManifest manifest(DeviceClass device_class) {
    auto [description, parameters] = class_parameters(device_class);
    for (auto& common : common_parameters()) {
        parameters.push_back(std::move(common));
    }
    return DriverManifest{
        .name = driver_name(device_class),
        .device_class = device_class,
        .maturity = Maturity::production,
        .description = std::string(description),
        .transport = TransportKind::simulated,
        .match = {},
        .parameters = std::move(parameters),
    };
}

void register_drivers(DriverRegistry& registry) {
    for (const auto device_class : kAllDeviceClasses) {
        // The manifests are fixed and tested (registry_test): registration cannot fail.
        static_cast<void>(registry.add(manifest(device_class), factory(device_class)));
    }
}

}  // namespace hk::drivers::simulated
