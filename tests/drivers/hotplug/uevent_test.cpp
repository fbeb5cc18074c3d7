// The uevent text decoder: sysfs uevent files, udevadm output, and the errors it reports.
#include "drivers/hotplug/uevent.hpp"

#include <string>

#include <catch2/catch.hpp>

using namespace hk::drivers::hotplug;

TEST_CASE("a uevent file's KEY=value lines become properties") {
    const auto parsed = parse_properties(
        "MAJOR=188\nMINOR=0\nDEVNAME=ttyUSB0\r\nEMPTY=\nEQUALS=a=b\n\nPRODUCT=1a86/7523/264");
    REQUIRE(parsed.has_value());
    CHECK(parsed->size() == 6);
    CHECK(property(*parsed, "DEVNAME") == "ttyUSB0");
    CHECK(property(*parsed, "EMPTY").empty());
    CHECK(parsed->contains("EMPTY"));
    CHECK(property(*parsed, "EQUALS") == "a=b");
    CHECK(property(*parsed, "PRODUCT") == "1a86/7523/264");
    CHECK(property(*parsed, "ABSENT").empty());
}

TEST_CASE("udevadm info output is read through its E: lines") {
    const auto parsed = parse_properties(
        "P: /devices/pci0000:00/0000:00:14.0/usb1/1-2/1-2:1.0/ttyUSB0/tty/ttyUSB0\n"
        "N: ttyUSB0\n"
        "L: 0\n"
        "S: serial/by-path/pci-0000:00:14.0-usb-0:2:1.0-port0\n"
        "E: DEVPATH=/devices/pci0000:00/0000:00:14.0/usb1/1-2/1-2:1.0/ttyUSB0/tty/ttyUSB0\n"
        "E: SUBSYSTEM=tty\n"
        "E: ID_VENDOR_ID=1a86\n");
    REQUIRE(parsed.has_value());
    CHECK(parsed->size() == 3);
    CHECK(property(*parsed, "ID_VENDOR_ID") == "1a86");
}

TEST_CASE("a uevent needs a known action, a devpath and a subsystem") {
    const auto event = parse_uevent("ACTION=bind\nDEVPATH=/devices/x/1-1\nSUBSYSTEM=usb\n");
    REQUIRE(event.has_value());
    CHECK(event->action == UeventAction::bind);
    CHECK(event->devpath == "/devices/x/1-1");
    CHECK(event->subsystem == "usb");
    CHECK(property(event->properties, "ACTION") == "bind");

    CHECK(parse_uevent("DEVPATH=/d\nSUBSYSTEM=usb").error().error ==
          UeventParseError::missing_action);
    CHECK(parse_uevent("ACTION=plug\nDEVPATH=/d\nSUBSYSTEM=usb").error().error ==
          UeventParseError::unknown_action);
    CHECK(parse_uevent("ACTION=add\nSUBSYSTEM=usb").error().error ==
          UeventParseError::missing_devpath);
    CHECK(parse_uevent("ACTION=add\nDEVPATH=/d\nSUBSYSTEM=").error().error ==
          UeventParseError::missing_subsystem);
}

TEST_CASE("malformed text is rejected with the line at fault") {
    CHECK(parse_properties("A=1\nno separator\n").error() ==
          UeventParseFailure{UeventParseError::missing_separator, 2});
    CHECK(parse_properties("=value").error() == UeventParseFailure{UeventParseError::bad_key, 1});
    CHECK(parse_properties("A B=1").error() == UeventParseFailure{UeventParseError::bad_key, 1});
    CHECK(parse_properties("A=1\nA=2").error() ==
          UeventParseFailure{UeventParseError::duplicate_key, 2});
    CHECK(parse_properties(std::string("A=1\0B", 5)).error() ==
          UeventParseFailure{UeventParseError::nul_byte, 0});
    CHECK(parse_properties(std::string(kMaxUeventText + 1, 'A')).error() ==
          UeventParseFailure{UeventParseError::too_large, 0});
    std::string many;
    for (std::size_t i = 0; i <= kMaxUeventKeys; ++i) {
        many += "K" + std::to_string(i) + "=v\n";
    }
    CHECK(parse_properties(many).error().error == UeventParseError::too_many_keys);
}

TEST_CASE("action and error names round-trip") {
    for (const auto action :
         {UeventAction::add, UeventAction::remove, UeventAction::change, UeventAction::move,
          UeventAction::bind, UeventAction::unbind, UeventAction::online, UeventAction::offline}) {
        CHECK(parse_uevent_action(to_string(action)) == action);
    }
    CHECK_FALSE(parse_uevent_action("ADD").has_value());
    CHECK(to_string(UeventParseError::duplicate_key) == "duplicate_key");
}
