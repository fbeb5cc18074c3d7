// Names of device classes: see device_class.hpp.
#include "drivers/sdk/device_class.hpp"

#include <utility>

namespace hk::drivers {
namespace {

constexpr std::array<std::pair<DeviceClass, std::string_view>, kAllDeviceClasses.size()>
    kClassNames = {{
        {DeviceClass::ticket_printer, "ticket_printer"},
        {DeviceClass::id_card_reader, "id_card_reader"},
        {DeviceClass::document_camera, "document_camera"},
        {DeviceClass::barcode_scanner, "barcode_scanner"},
        {DeviceClass::evaluator, "evaluator"},
        {DeviceClass::window_display, "window_display"},
        {DeviceClass::hall_screen, "hall_screen"},
        {DeviceClass::speaker, "speaker"},
    }};

template <class Enum, std::size_t N>
constexpr std::string_view name_of(const std::array<std::pair<Enum, std::string_view>, N>& table,
                                   Enum value) {
    for (const auto& [e, name] : table) {
        if (e == value) {
            return name;
        }
    }
    return "unknown";
}

template <class Enum, std::size_t N>
constexpr std::optional<Enum> value_of(
    const std::array<std::pair<Enum, std::string_view>, N>& table, std::string_view name) {
    for (const auto& [e, n] : table) {
        if (n == name) {
            return e;
        }
    }
    return std::nullopt;
}

}  // namespace

std::string_view to_string(DeviceClass device_class) {
    return name_of(kClassNames, device_class);
}
std::optional<DeviceClass> parse_device_class(std::string_view name) {
    return value_of(kClassNames, name);
}

}  // namespace hk::drivers
