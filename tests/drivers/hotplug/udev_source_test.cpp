// UdevSource against this machine's udev and sysfs: it starts, lists the present devices of
// the watched subsystems as `add` events from the loop (never from inside start), and stops.
// Which devices exist depends on the machine, so only their shape is checked.
#include "drivers/hotplug/udev_source.hpp"

#include <algorithm>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

using namespace hk::drivers::hotplug;

TEST_CASE("the udev source lists present devices from the loop and stops cleanly") {
    boost::asio::io_context io;
    UdevSource source(io);
    std::vector<Uevent> events;
    const auto started = source.start([&](const Uevent& event) { events.push_back(event); });
    if (!started) {
        // Sandboxes without a netlink socket for udev: nothing more to check here.
        WARN("udev monitor unavailable: " << to_string(started.error()));
        CHECK(started.error() != SourceError::already_started);
        return;
    }
    CHECK(events.empty());
    CHECK(source.start([](const Uevent&) {}).error() == SourceError::already_started);
    io.poll();  // runs the listing; a live event would need a real plug
    for (const auto& event : events) {
        CHECK(event.action == UeventAction::add);
        CHECK(event.devpath.starts_with("/devices/"));
        CHECK(std::find(kWatchedSubsystems.begin(), kWatchedSubsystems.end(),
                        std::string_view(event.subsystem)) != kWatchedSubsystems.end());
        CHECK(property(event.properties, "ACTION") == "add");
    }
    source.stop();
    const auto delivered = events.size();
    io.poll();
    CHECK(events.size() == delivered);
}
