// Device health: state names, usable states, and the tracker reporting each change once.
#include "drivers/sdk/health.hpp"

#include <vector>

#include <catch2/catch.hpp>

using namespace hk::drivers;

TEST_CASE("device state names round-trip and unknown names are rejected") {
    for (const auto state : {DeviceState::absent, DeviceState::probing, DeviceState::online,
                             DeviceState::degraded, DeviceState::faulted, DeviceState::offline}) {
        CHECK(to_string(state) != "unknown");
        CHECK(parse_device_state(to_string(state)) == state);
    }
    CHECK_FALSE(parse_device_state("ok").has_value());
    CHECK(is_usable(DeviceState::online));
    CHECK(is_usable(DeviceState::degraded));
    CHECK_FALSE(is_usable(DeviceState::faulted));
    CHECK_FALSE(is_usable(DeviceState::offline));
}

TEST_CASE("the tracker reports a change of state or fault once, with its time") {
    std::vector<std::pair<DeviceHealth, DeviceHealth>> reports;
    HealthTracker tracker([&](const DeviceHealth& now, const DeviceHealth& before) {
        reports.emplace_back(now, before);
    });
    CHECK(tracker.health().state == DeviceState::absent);

    CHECK(tracker.set(DeviceState::online, "", "ttyUSB0", 1000));
    CHECK_FALSE(tracker.set(DeviceState::online, "", "ttyUSB0 again", 2000));  // detail only
    CHECK(tracker.health().detail == "ttyUSB0 again");
    CHECK(tracker.health().since_ms == 1000);

    CHECK(tracker.set(DeviceState::degraded, fault::kTimeout, "no reply in 500 ms", 3000));
    CHECK(tracker.set(DeviceState::degraded, "paper_low", "", 4000));  // same state, new fault
    CHECK(tracker.set(DeviceState::offline, fault::kTimeout, "", 5000));

    REQUIRE(reports.size() == 4);
    CHECK(reports[0].first.state == DeviceState::online);
    CHECK(reports[0].second.state == DeviceState::absent);
    CHECK(reports[1].first.fault == "timeout");
    CHECK(reports[2].first.fault == "paper_low");
    CHECK(reports[2].second.fault == "timeout");
    CHECK(reports[3].first == DeviceHealth{DeviceState::offline, "timeout", "", 5000});
}

TEST_CASE("counters belong to the device and start at zero") {
    HealthTracker tracker;
    CHECK(tracker.counters() == DeviceCounters{});
    ++tracker.counters().reconnects;
    CHECK(tracker.counters().reconnects == 1);
}
