// Physical-path naming: stable names from the port a device is plugged into, for USB serial
// adapters, composite devices, on-board UARTs, scanners and cameras.
#include "drivers/hotplug/physical_path.hpp"

#include <catch2/catch.hpp>

#include "tests/drivers/hotplug/synthetic_uevents.hpp"

using namespace hk::drivers::hotplug;
using namespace hk::drivers::hotplug::testing;

namespace {

std::string name_of(const Uevent& event) {
    const auto info = describe_device(event.properties);
    REQUIRE(info.has_value());
    return info->physical_path;
}

NamingError error_of(const Properties& facts) {
    const auto info = describe_device(facts);
    REQUIRE_FALSE(info.has_value());
    return info.error();
}

}  // namespace

TEST_CASE("a USB serial adapter's tty is named by ids, port and interface") {
    const auto event = usb_tty(UeventAction::add, "1-1.2", "1.0", "ttyUSB0", "1a86", "7523");
    const auto info = describe_device(event.properties);
    REQUIRE(info.has_value());
    CHECK(info->physical_path == "usb:1a86/7523:1-1.2:1.0");
    CHECK(info->subsystem == "tty");
    CHECK(info->devnode == "/dev/ttyUSB0");
    CHECK(info->vendor_id == 0x1a86);
    CHECK(info->product_id == 0x7523);
    CHECK(info->properties.at("ID_BUS") == "usb");
    CHECK_FALSE(info->properties.contains("ACTION"));  // about the event, not the device
}

TEST_CASE("the same adapter model on two ports gets two names") {
    const auto a = usb_tty(UeventAction::add, "1-1.2", "1.0", "ttyUSB0", "067b", "2303");
    const auto b = usb_tty(UeventAction::add, "1-1.3", "1.0", "ttyUSB1", "067b", "2303");
    CHECK(name_of(a) == "usb:067b/2303:1-1.2:1.0");
    CHECK(name_of(b) == "usb:067b/2303:1-1.3:1.0");
}

TEST_CASE("a replug into the same port keeps the name when the tty number changes") {
    const auto before = usb_tty(UeventAction::add, "2-1", "1.0", "ttyUSB0", "0403", "6001");
    const auto after = usb_tty(UeventAction::add, "2-1", "1.0", "ttyUSB3", "0403", "6001");
    CHECK(name_of(before) == name_of(after));
    CHECK(describe_device(after.properties)->devnode == "/dev/ttyUSB3");
}

TEST_CASE("a composite device's device, interfaces and nodes have distinct names") {
    CHECK(name_of(usb_device(UeventAction::add, "1-1.4", "10c4", "ea60")) == "usb:10c4/ea60:1-1.4");
    CHECK(name_of(usb_interface(UeventAction::add, "1-1.4", "1.0", "10c4", "ea60")) ==
          "usb:10c4/ea60:1-1.4:1.0");
    CHECK(name_of(usb_tty(UeventAction::add, "1-1.4", "1.0", "ttyUSB0", "10c4", "ea60")) ==
          "usb:10c4/ea60:1-1.4:1.0");
    CHECK(name_of(usb_tty(UeventAction::add, "1-1.4", "1.1", "ttyUSB1", "10c4", "ea60")) ==
          "usb:10c4/ea60:1-1.4:1.1");
    CHECK(name_of(usb_hidraw(UeventAction::add, "1-1.4", "1.2", "hidraw0", "10c4", "ea60")) ==
          "usb:10c4/ea60:1-1.4:1.2:hidraw");
}

TEST_CASE("ids come from the kernel's PRODUCT when udev has not added ID_VENDOR_ID") {
    Properties facts{{"DEVPATH", usb_device_path("3-2")},
                     {"SUBSYSTEM", "usb"},
                     {"DEVTYPE", "usb_device"},
                     {"PRODUCT", "403/6001/600"}};
    const auto info = describe_device(facts);
    REQUIRE(info.has_value());
    CHECK(info->physical_path == "usb:0403/6001:3-2");
    facts.erase("PRODUCT");
    CHECK(error_of(facts) == NamingError::missing_ids);
    facts["PRODUCT"] = "xyz/6001/600";
    CHECK(error_of(facts) == NamingError::missing_ids);
}

TEST_CASE("an on-board UART is named by its platform path and port") {
    const Properties facts{{"DEVPATH", "/devices/platform/fe650000.serial/tty/ttyS2"},
                           {"SUBSYSTEM", "tty"},
                           {"DEVNAME", "/dev/ttyS2"},
                           {"ID_PATH", "platform-fe650000.serial"}};
    const auto info = describe_device(facts);
    REQUIRE(info.has_value());
    CHECK(info->physical_path == "serial:platform-fe650000.serial:ttyS2");
    CHECK_FALSE(info->vendor_id.has_value());

    // Without udev's ID_PATH the same name is derived from the sysfs path.
    auto bare = facts;
    bare.erase("ID_PATH");
    CHECK(describe_device(bare)->physical_path == "serial:platform-fe650000.serial:ttyS2");

    const Properties legacy{{"DEVPATH", "/devices/platform/serial8250/tty/ttyS1"},
                            {"SUBSYSTEM", "tty"},
                            {"DEVNAME", "ttyS1"}};
    CHECK(describe_device(legacy)->physical_path == "serial:platform-serial8250:ttyS1");
    CHECK(describe_device(legacy)->devnode == "/dev/ttyS1");
    const Properties pci{{"DEVPATH", "/devices/pci0000:00/0000:00:16.3/tty/ttyS4"},
                         {"SUBSYSTEM", "tty"},
                         {"DEVNAME", "/dev/ttyS4"}};
    CHECK(describe_device(pci)->physical_path == "serial:pci-0000:00:16.3:ttyS4");
}

TEST_CASE("a scanner's keyboard node is named by its USB parent and interface") {
    const auto event =
        usb_keyboard(UeventAction::add, "1-1.3", "1.0", "input7", "event5", "0c2e", "0b61");
    CHECK(name_of(event) == "usb:0c2e/0b61:1-1.3:1.0:event-kbd");
    CHECK(describe_device(event.properties)->devnode == "/dev/input/event5");

    // Its input parent has no node to open; the legacy mouse node is not used.
    auto parent = event.properties;
    parent.erase("DEVNAME");
    CHECK(error_of(parent) == NamingError::not_a_node);
    auto mouse = event.properties;
    mouse["DEVNAME"] = "/dev/input/mouse2";
    CHECK(error_of(mouse) == NamingError::not_a_node);
}

TEST_CASE("a document camera's video nodes are named by interface and index") {
    const auto base = interface_path("1-2", "1.0") + "/video4linux/";
    Properties capture{{"DEVPATH", base + "video0"}, {"SUBSYSTEM", "video4linux"},
                       {"DEVNAME", "/dev/video0"},   {"ID_VENDOR_ID", "2b16"},
                       {"ID_MODEL_ID", "6689"},      {"HK_V4L_INDEX", "0"}};
    auto metadata = capture;
    metadata["DEVPATH"] = base + "video1";
    metadata["DEVNAME"] = "/dev/video1";
    metadata["HK_V4L_INDEX"] = "1";
    CHECK(describe_device(capture)->physical_path == "usb:2b16/6689:1-2:1.0:video-index0");
    CHECK(describe_device(metadata)->physical_path == "usb:2b16/6689:1-2:1.0:video-index1");
}

TEST_CASE("virtual devices, root hubs and other subsystems are not named") {
    CHECK(error_of({{"DEVPATH", "/devices/virtual/tty/ttyS0"}, {"SUBSYSTEM", "tty"}}) ==
          NamingError::virtual_device);
    CHECK(error_of({{"SUBSYSTEM", "tty"}}) == NamingError::missing_devpath);
    CHECK(error_of({{"DEVPATH", "/devices/pci0000:00/0000:00:14.0/usb1"},
                    {"SUBSYSTEM", "usb"},
                    {"DEVTYPE", "usb_device"},
                    {"PRODUCT", "1d6b/2/601"}}) == NamingError::no_topology);
    CHECK(error_of({{"DEVPATH", interface_path("1-1", "1.0") + "/net/usb0"},
                    {"SUBSYSTEM", "net"},
                    {"DEVNAME", "usb0"}}) == NamingError::unsupported_subsystem);
    CHECK(error_of({{"DEVPATH", "/devices/platform/i8042/serio0/input/input1/event1"},
                    {"SUBSYSTEM", "input"},
                    {"DEVNAME", "/dev/input/event1"}}) == NamingError::no_topology);
    CHECK(describe_device({{"DEVPATH", "/devices/platform/i8042/serio0/input/input1/event1"},
                           {"SUBSYSTEM", "input"},
                           {"DEVNAME", "/dev/input/event1"},
                           {"ID_PATH", "platform-i8042-serio-0"},
                           {"ID_INPUT_KEYBOARD", "1"}})
              ->physical_path == "path:platform-i8042-serio-0:event-kbd");
}

TEST_CASE("the USB location is the deepest device on a port and its interface") {
    CHECK(usb_location(usb_device_path("1-1.2")) == UsbLocation{"1-1.2", ""});
    CHECK(usb_location(interface_path("1-1.2", "1.0") + "/ttyUSB0/tty/ttyUSB0") ==
          UsbLocation{"1-1.2", "1.0"});
    CHECK(usb_location(usb_device_path("2-3.1.4")) == UsbLocation{"2-3.1.4", ""});
    CHECK_FALSE(usb_location("/devices/pci0000:00/0000:00:14.0/usb1").has_value());
    CHECK_FALSE(usb_location("/devices/pci0000:00/0000:00:14.0/usb1/1-0:1.0").has_value());
    CHECK_FALSE(usb_location("/devices/platform/fe650000.serial/tty/ttyS2").has_value());
    CHECK_FALSE(usb_location("").has_value());
}

TEST_CASE("USB ids are one to four hex digits") {
    CHECK(parse_usb_id("1a86") == 0x1a86);
    CHECK(parse_usb_id("403") == 0x0403);
    CHECK(parse_usb_id("EA60") == 0xea60);
    CHECK_FALSE(parse_usb_id("").has_value());
    CHECK_FALSE(parse_usb_id("12345").has_value());
    CHECK_FALSE(parse_usb_id("12g4").has_value());
    CHECK_FALSE(parse_usb_id("-1").has_value());
}

TEST_CASE("hubs are recognised by their device class") {
    auto hub = usb_device(UeventAction::add, "1-1", "05e3", "0608");
    hub.properties["TYPE"] = "9/0/1";
    CHECK(is_usb_hub(hub.properties));
    CHECK_FALSE(is_usb_hub(usb_device(UeventAction::add, "1-1", "1a86", "7523").properties));
}
