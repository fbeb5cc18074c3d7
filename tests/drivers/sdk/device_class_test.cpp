// Device class names are stable identifiers (config, MQTT, hallctl).
#include "drivers/sdk/device_class.hpp"

#include <catch2/catch.hpp>

using namespace hk::drivers;

TEST_CASE("every device class name parses back to the same class") {
    for (const auto device_class : kAllDeviceClasses) {
        const auto name = to_string(device_class);
        CHECK(name != "unknown");
        CHECK(parse_device_class(name) == device_class);
    }
}

TEST_CASE("device class names are the documented identifiers") {
    CHECK(to_string(DeviceClass::ticket_printer) == "ticket_printer");
    CHECK(to_string(DeviceClass::document_camera) == "document_camera");
    CHECK_FALSE(parse_device_class("Ticket_Printer").has_value());
    CHECK_FALSE(parse_device_class("").has_value());
}
