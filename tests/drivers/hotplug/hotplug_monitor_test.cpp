// The hotplug monitor with an injected uevent source and a fake clock: composite devices are
// announced once settled, removals are debounced, quick replugs come back by themselves,
// and removals of devices never announced are ignored.
#include "drivers/hotplug/hotplug_monitor.hpp"

#include <chrono>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "tests/drivers/hotplug/synthetic_uevents.hpp"

using namespace hk::drivers;
using namespace hk::drivers::hotplug;
using namespace hk::drivers::hotplug::testing;
using namespace std::chrono_literals;

namespace {

constexpr HotplugTiming kTiming{.settle = 500ms, .debounce = 1500ms};
constexpr auto kAdd = UeventAction::add;
constexpr auto kRemove = UeventAction::remove;
constexpr auto kBind = UeventAction::bind;

struct Fixture {
    explicit Fixture(std::vector<Uevent> present = {})
        : source(std::move(present)),
          monitor(source, clock,
                  {.arrived = [this](const DeviceInfo& info) { arrived.push_back(info); },
                   .left = [this](const std::string& path) { left.push_back(path); }},
                  kTiming) {
        REQUIRE(monitor.start().has_value());
    }

    [[nodiscard]] std::vector<std::string> arrived_paths() const {
        std::vector<std::string> paths;
        paths.reserve(arrived.size());
        for (const auto& info : arrived) {
            paths.push_back(info.physical_path);
        }
        return paths;
    }

    // A CH340 adapter on `port` with its tty, the way the kernel and udev report a plug.
    void plug_ch340(std::string_view port, std::string_view tty) {
        source.inject(usb_device(kAdd, port, "1a86", "7523"));
        source.inject(usb_interface(kAdd, port, "1.0", "1a86", "7523"));
        source.inject(usb_tty(kAdd, port, "1.0", tty, "1a86", "7523"));
        source.inject(usb_interface(kBind, port, "1.0", "1a86", "7523"));
        source.inject(usb_device(kBind, port, "1a86", "7523"));
    }
    void unplug_ch340(std::string_view port, std::string_view tty) {
        source.inject(usb_tty(kRemove, port, "1.0", tty, "1a86", "7523"));
        source.inject(usb_interface(UeventAction::unbind, port, "1.0", "1a86", "7523"));
        source.inject(usb_interface(kRemove, port, "1.0", "1a86", "7523"));
        source.inject(usb_device(UeventAction::unbind, port, "1a86", "7523"));
        source.inject(usb_device(kRemove, port, "1a86", "7523"));
    }

    InjectedSource source;
    ManualScheduler clock;
    std::vector<DeviceInfo> arrived;
    std::vector<std::string> left;
    HotplugMonitor monitor;
};

const std::string kCh340 = "usb:1a86/7523:1-1.2";
const std::string kCh340Tty = "usb:1a86/7523:1-1.2:1.0";

}  // namespace

TEST_CASE("a composite device is announced only after all its interfaces have settled") {
    Fixture f;
    f.source.inject(usb_device(kAdd, "1-1.4", "10c4", "ea60"));
    f.source.inject(usb_interface(kAdd, "1-1.4", "1.0", "10c4", "ea60"));
    f.source.inject(usb_tty(kAdd, "1-1.4", "1.0", "ttyUSB0", "10c4", "ea60"));
    f.source.inject(usb_interface(kBind, "1-1.4", "1.0", "10c4", "ea60"));
    f.clock.advance(400ms);
    // A second interface shows up late (its driver module was still loading).
    f.source.inject(usb_interface(kAdd, "1-1.4", "1.1", "10c4", "ea60"));
    f.clock.advance(400ms);
    f.source.inject(usb_hidraw(kAdd, "1-1.4", "1.1", "hidraw0", "10c4", "ea60"));
    f.source.inject(usb_interface(kBind, "1-1.4", "1.1", "10c4", "ea60"));
    f.source.inject(usb_device(kBind, "1-1.4", "10c4", "ea60"));
    f.clock.advance(499ms);
    CHECK(f.arrived.empty());

    f.clock.advance(1ms);
    CHECK(f.arrived_paths() == std::vector<std::string>{"usb:10c4/ea60:1-1.4",
                                                        "usb:10c4/ea60:1-1.4:1.0",
                                                        "usb:10c4/ea60:1-1.4:1.1:hidraw"});
    CHECK(f.arrived[1].devnode == "/dev/ttyUSB0");
    CHECK(f.monitor.find("usb:10c4/ea60:1-1.4:1.1:hidraw") != nullptr);
    CHECK(f.monitor.find("usb:10c4/ea60:1-1.4:1.1") == nullptr);  // interfaces are not announced
    CHECK(f.left.empty());
}

TEST_CASE("devices on other ports settle independently") {
    Fixture f;
    f.plug_ch340("1-1.2", "ttyUSB0");
    f.clock.advance(300ms);
    f.plug_ch340("1-1.3", "ttyUSB1");
    f.clock.advance(200ms);
    CHECK(f.arrived_paths() == std::vector<std::string>{kCh340, kCh340Tty});
    f.clock.advance(300ms);
    CHECK(f.arrived.size() == 4);
    CHECK(f.arrived[3].physical_path == "usb:1a86/7523:1-1.3:1.0");
}

TEST_CASE("an unplugged device is reported gone after the debounce time") {
    Fixture f;
    f.plug_ch340("1-1.2", "ttyUSB0");
    f.clock.advance(500ms);
    REQUIRE(f.arrived.size() == 2);

    f.unplug_ch340("1-1.2", "ttyUSB0");
    f.clock.advance(1499ms);
    CHECK(f.left.empty());
    CHECK(f.monitor.find(kCh340Tty) != nullptr);  // still present while debouncing
    f.clock.advance(1ms);
    CHECK(f.left == std::vector<std::string>{kCh340Tty, kCh340});
    CHECK(f.monitor.present().empty());
    CHECK(f.monitor.counters().departures == 2);
}

TEST_CASE("a quick unplug and replug on the same port comes back without a departure") {
    Fixture f;
    f.plug_ch340("1-1.2", "ttyUSB0");
    f.clock.advance(500ms);
    f.arrived.clear();

    f.unplug_ch340("1-1.2", "ttyUSB0");
    f.clock.advance(300ms);
    f.plug_ch340("1-1.2", "ttyUSB1");  // the kernel handed out a new tty number
    f.clock.advance(500ms);
    CHECK(f.arrived_paths() == std::vector<std::string>{kCh340, kCh340Tty});
    CHECK(f.arrived[1].devnode == "/dev/ttyUSB1");
    CHECK(f.monitor.find(kCh340Tty)->devnode == "/dev/ttyUSB1");

    f.clock.advance(10s);
    CHECK(f.left.empty());
    CHECK(f.monitor.counters().replugs == 2);
}

TEST_CASE("a device replugged after the debounce leaves and then arrives again") {
    Fixture f;
    f.plug_ch340("1-1.2", "ttyUSB0");
    f.clock.advance(500ms);
    f.unplug_ch340("1-1.2", "ttyUSB0");
    f.clock.advance(5s);
    CHECK(f.left.size() == 2);

    f.plug_ch340("1-1.2", "ttyUSB0");
    f.clock.advance(500ms);
    CHECK(f.arrived.size() == 4);
    CHECK(f.monitor.find(kCh340Tty) != nullptr);
}

TEST_CASE("a device moved to another port leaves its old name and arrives under a new one") {
    Fixture f;
    f.plug_ch340("1-1.2", "ttyUSB0");
    f.clock.advance(500ms);
    f.unplug_ch340("1-1.2", "ttyUSB0");
    f.plug_ch340("1-1.3", "ttyUSB0");
    f.clock.advance(500ms);
    CHECK(f.arrived.back().physical_path == "usb:1a86/7523:1-1.3:1.0");
    f.clock.advance(1s);
    CHECK(f.left == std::vector<std::string>{"usb:1a86/7523:1-1.2:1.0", "usb:1a86/7523:1-1.2"});
}

TEST_CASE("removals of devices never announced are ignored") {
    Fixture f;
    f.source.inject(usb_tty(kRemove, "1-1.7", "1.0", "ttyUSB4", "0403", "6001"));
    CHECK(f.monitor.counters().ignored_removals == 1);

    // Unplugged before it settled: never announced, so never reported gone.
    f.plug_ch340("1-1.2", "ttyUSB0");
    f.clock.advance(200ms);
    f.unplug_ch340("1-1.2", "ttyUSB0");
    f.clock.advance(10s);
    CHECK(f.arrived.empty());
    CHECK(f.left.empty());
    CHECK(f.monitor.present().empty());
}

TEST_CASE("devices present at start are announced once settled") {
    Fixture f({usb_device(kAdd, "1-1.2", "1a86", "7523"),
               usb_interface(kAdd, "1-1.2", "1.0", "1a86", "7523"),
               usb_tty(kAdd, "1-1.2", "1.0", "ttyUSB0", "1a86", "7523"),
               make_event(kAdd, "/devices/platform/fe650000.serial/tty/ttyS2", "tty",
                          {{"DEVNAME", "/dev/ttyS2"}, {"ID_PATH", "platform-fe650000.serial"}}),
               make_event(kAdd, "/devices/virtual/tty/tty1", "tty", {{"DEVNAME", "/dev/tty1"}})});
    CHECK(f.arrived.empty());
    f.clock.advance(500ms);
    // Each settles on its own timer; the adapter's was started first.
    CHECK(f.arrived_paths() ==
          std::vector<std::string>{kCh340, kCh340Tty, "serial:platform-fe650000.serial:ttyS2"});
}

TEST_CASE("a repeated add or a late bind of a present device is not announced twice") {
    Fixture f;
    f.plug_ch340("1-1.2", "ttyUSB0");
    f.clock.advance(500ms);
    REQUIRE(f.arrived.size() == 2);
    f.source.inject(usb_tty(kAdd, "1-1.2", "1.0", "ttyUSB0", "1a86", "7523"));
    f.source.inject(usb_device(kBind, "1-1.2", "1a86", "7523"));
    f.source.inject(usb_tty(UeventAction::change, "1-1.2", "1.0", "ttyUSB0", "1a86", "7523"));
    f.clock.advance(5s);
    CHECK(f.arrived.size() == 2);
}

TEST_CASE("a node that appears after its device was announced is announced by itself") {
    Fixture f;
    f.source.inject(usb_device(kAdd, "1-1.2", "1a86", "7523"));
    f.source.inject(usb_device(kBind, "1-1.2", "1a86", "7523"));
    f.clock.advance(500ms);
    CHECK(f.arrived_paths() == std::vector<std::string>{kCh340});
    f.source.inject(usb_interface(kAdd, "1-1.2", "1.0", "1a86", "7523"));
    f.source.inject(usb_tty(kAdd, "1-1.2", "1.0", "ttyUSB0", "1a86", "7523"));
    f.clock.advance(500ms);
    CHECK(f.arrived_paths() == std::vector<std::string>{kCh340, kCh340Tty});
}

TEST_CASE("hubs and root hubs are not announced") {
    Fixture f;
    auto hub = usb_device(kAdd, "1-1", "05e3", "0608");
    hub.properties["TYPE"] = "9/0/1";
    f.source.inject(hub);
    f.source.inject(make_event(kAdd, "/devices/pci0000:00/0000:00:14.0/usb1", "usb",
                               {{"DEVTYPE", "usb_device"}, {"PRODUCT", "1d6b/2/601"}}));
    f.clock.advance(5s);
    CHECK(f.arrived.empty());
}

TEST_CASE("after stop no callback runs and nothing is remembered") {
    Fixture f;
    f.plug_ch340("1-1.2", "ttyUSB0");
    f.clock.advance(500ms);
    f.unplug_ch340("1-1.2", "ttyUSB0");
    f.plug_ch340("1-1.3", "ttyUSB1");
    f.monitor.stop();
    CHECK_FALSE(f.source.started());
    CHECK(f.clock.pending() == 0);
    f.clock.advance(10s);
    CHECK(f.arrived.size() == 2);
    CHECK(f.left.empty());
    CHECK(f.monitor.present().empty());
    CHECK_FALSE(f.source.inject(usb_device(kAdd, "1-1.5", "1a86", "7523")));
}

TEST_CASE("the fake clock runs due calls in time order and honours cancels") {
    ManualScheduler clock;
    std::vector<int> ran;
    clock.call_after(20ms, [&] { ran.push_back(2); });
    const auto cancelled = clock.call_after(10ms, [&] { ran.push_back(0); });
    clock.call_after(10ms, [&] {
        ran.push_back(1);
        clock.call_after(5ms, [&] { ran.push_back(3); });  // due at 15 ms, before the 20 ms one
    });
    clock.cancel(cancelled);
    CHECK(clock.advance(9ms) == 0);
    CHECK(clock.advance(11ms) == 3);
    CHECK(ran == std::vector<int>{1, 3, 2});
    CHECK(clock.now() == 20ms);
}
