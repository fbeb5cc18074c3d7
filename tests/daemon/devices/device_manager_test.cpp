// The device manager: drivers built from configurations, failures kept to their own device,
// health and events passed on, and hotplugged hardware bound to the right device.
#include "daemon/devices/device_manager.hpp"

#include <filesystem>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <catch2/catch.hpp>

#include "drivers/sdk/registry.hpp"
#include "tests/support/temp_dir.hpp"

namespace hk::devices {
namespace {

using drivers::DeviceConfig;
using drivers::DeviceInfo;
using drivers::DeviceState;

// What the fake drivers were told, in order, for every device.
struct Journal {
    std::vector<std::string> calls;
};

// A driver that records its calls and goes online when started (unit-test stand-in).
class FakeDriver final : public drivers::Driver {
public:
    FakeDriver(const DeviceConfig& config, drivers::DriverContext& context, Journal& journal)
        : id_(config.id), context_(context), journal_(journal) {}

    std::expected<void, std::string> start() override {
        journal_.calls.push_back(id_ + " start");
        if (id_ == "refuses-start") {
            return std::unexpected(std::string("port busy"));
        }
        context_.health.set(DeviceState::online, "", "", context_.now_ms());
        return {};
    }
    void stop() override { journal_.calls.push_back(id_ + " stop"); }
    [[nodiscard]] std::string describe() const override { return "fake " + id_; }
    void self_test(drivers::Completion<std::string> done) override {
        boost::asio::post(context_.io, [done = std::move(done)] { done("fake test done"); });
    }
    void device_arrived(const std::string& devnode) override {
        journal_.calls.push_back(id_ + " arrived " + devnode);
        context_.emit(drivers::events::CodeScanned{.code = "X1"});
    }
    void device_left() override { journal_.calls.push_back(id_ + " left"); }

private:
    std::string id_;
    drivers::DriverContext& context_;
    Journal& journal_;
};

drivers::DriverManifest manifest(std::string name, drivers::MatchRules match) {
    return drivers::DriverManifest{
        .name = std::move(name),
        .device_class = drivers::DeviceClass::barcode_scanner,
        .maturity = drivers::Maturity::testing,
        .description = "test scanner",
        .transport = drivers::TransportKind::serial,
        .match = std::move(match),
        .parameters = {},
    };
}

struct Fixture {
    boost::asio::io_context io;
    drivers::DriverRegistry registry;
    Journal journal;
    std::vector<std::string> health;
    std::vector<std::string> events;
    std::unique_ptr<DeviceManager> manager;

    Fixture() {
        auto factory = [this](const DeviceConfig& config, drivers::DriverContext& context)
            -> std::expected<std::unique_ptr<drivers::Driver>, std::string> {
            if (config.id == "refuses-build") {
                return std::unexpected(std::string("bad parameters"));
            }
            return std::make_unique<FakeDriver>(config, context, journal);
        };
        REQUIRE(registry.add(manifest("usb_scanner", {.usb_ids = {{0x0c2e, 0x0b61}}}), factory));
        REQUIRE(registry.add(manifest("port_scanner", {.explicit_port_only = true}), factory));
        manager = std::make_unique<DeviceManager>(
            io, registry, [] { return std::int64_t{1000}; },
            DeviceManager::Listeners{
                .health_changed =
                    [this](const ManagedDevice& device, const drivers::DeviceHealth& now,
                           const drivers::DeviceHealth&) {
                        health.push_back(device.config.id + " " +
                                         std::string(drivers::to_string(now.state)) +
                                         (now.fault.empty() ? "" : " " + now.fault));
                    },
                .device_event =
                    [this](const ManagedDevice& device, const drivers::DeviceEvent& event) {
                        events.push_back(device.config.id + " " +
                                         std::string(drivers::event_name(event)));
                    },
            });
    }
};

DeviceConfig device(std::string id, std::string driver) {
    return DeviceConfig{.id = std::move(id), .driver = std::move(driver)};
}

const DeviceInfo kScanner{.physical_path = "usb:0c2e/0b61:1-1.2:1.0",
                          .subsystem = "tty",
                          .devnode = "/dev/ttyACM0",
                          .vendor_id = 0x0c2e,
                          .product_id = 0x0b61};

TEST_CASE("devices are built and started in order, a broken one stays listed as offline") {
    Fixture f;
    const auto refused = f.manager->start(
        {device("scanner-1", "usb_scanner"), device("refuses-build", "usb_scanner"),
         device("refuses-start", "usb_scanner"), device("ghost", "no_such_driver"),
         device("scanner-1", "usb_scanner")});
    CHECK(refused == std::vector<std::string>{"device 'scanner-1' is configured twice"});
    REQUIRE(f.manager->devices().size() == 4);
    CHECK(f.health == std::vector<std::string>{
                          "scanner-1 online", "refuses-build offline driver_error",
                          "refuses-start offline driver_error", "ghost offline driver_error"});
    const auto* broken = f.manager->find("refuses-build");
    REQUIRE(broken != nullptr);
    CHECK(broken->driver == nullptr);
    CHECK(broken->health->health().detail == "bad parameters");
    CHECK(f.manager->find("refuses-start")->health->health().detail == "port busy");
    CHECK(f.manager->find("ghost")->health->health().detail == "no driver named 'no_such_driver'");

    f.manager->stop();
    f.manager->stop();  // idempotent
    CHECK(f.journal.calls == std::vector<std::string>{"scanner-1 start", "refuses-start start",
                                                      "scanner-1 stop", "refuses-start stop"});
}

TEST_CASE("hardware goes to the device whose driver matches it, and comes back to it") {
    Fixture f;
    REQUIRE(f.manager->start({device("scanner-1", "usb_scanner")}).empty());
    f.manager->hardware_arrived(kScanner);
    const auto* scanner = f.manager->find("scanner-1");
    REQUIRE(scanner->hardware.has_value());
    CHECK(scanner->hardware->physical_path == kScanner.physical_path);
    CHECK(scanner->hardware_present);
    CHECK(f.events == std::vector<std::string>{"scanner-1 code_scanned"});
    REQUIRE(scanner->recent.size() == 1);
    CHECK(scanner->recent.front().text == "code_scanned (2 characters)");
    CHECK(scanner->recent.front().at_ms == 1000);

    f.manager->hardware_left(kScanner.physical_path);
    CHECK_FALSE(scanner->hardware_present);
    auto moved = kScanner;
    moved.devnode = "/dev/ttyACM3";  // replugged: a new node, the same port
    f.manager->hardware_arrived(moved);
    CHECK(f.journal.calls ==
          std::vector<std::string>{"scanner-1 start", "scanner-1 arrived /dev/ttyACM0",
                                   "scanner-1 left", "scanner-1 arrived /dev/ttyACM3"});
    CHECK(f.manager->unbound().empty());
}

TEST_CASE("a second matching device stays unbound and says which driver would take it") {
    Fixture f;
    REQUIRE(f.manager->start({device("scanner-1", "usb_scanner")}).empty());
    f.manager->hardware_arrived(kScanner);
    auto second = kScanner;
    second.physical_path = "usb:0c2e/0b61:1-1.3:1.0";
    second.devnode = "/dev/ttyACM1";
    f.manager->hardware_arrived(second);
    const auto unbound = f.manager->unbound();
    REQUIRE(unbound.size() == 1);
    CHECK(unbound[0].info.physical_path == second.physical_path);
    CHECK(unbound[0].would_match == "usb_scanner");
    CHECK(unbound[0].reason == "usb 0c2e:0b61");
    f.manager->hardware_left(second.physical_path);
    CHECK(f.manager->unbound().empty());
}

TEST_CASE("a device configured with a path or port takes only that hardware") {
    Fixture f;
    auto by_path = device("by-path", "usb_scanner");
    by_path.match = "usb:0c2e/0b61:1-1.3:1.0";
    auto by_port = device("by-port", "port_scanner");
    by_port.port = "/dev/ttyS1";
    REQUIRE(f.manager->start({by_path, by_port}).empty());

    f.manager->hardware_arrived(kScanner);  // on 1-1.2: not by-path's port
    CHECK_FALSE(f.manager->find("by-path")->hardware.has_value());
    CHECK(f.manager->unbound().size() == 1);

    auto on_its_port = kScanner;
    on_its_port.physical_path = "usb:0c2e/0b61:1-1.3:1.0";
    f.manager->hardware_arrived(on_its_port);
    CHECK(f.manager->find("by-path")->hardware_present);

    const DeviceInfo uart{.physical_path = "serial:platform-serial8250:1",
                          .subsystem = "tty",
                          .devnode = "/dev/ttyS1"};
    f.manager->hardware_arrived(uart);
    CHECK(f.manager->find("by-port")->hardware_present);
}

TEST_CASE("a port given as a stable symlink takes the node it points to") {
    const hk::test::TempDir dir;
    std::filesystem::create_symlink("/dev/null", dir / "by-path-scanner");
    Fixture f;
    auto by_link = device("by-link", "port_scanner");
    by_link.port = (dir / "by-path-scanner").string();
    REQUIRE(f.manager->start({by_link}).empty());
    f.manager->hardware_arrived(DeviceInfo{
        .physical_path = "usb:1a86/7523:1-1.4:1.0", .subsystem = "tty", .devnode = "/dev/null"});
    CHECK(f.manager->find("by-link")->hardware_present);
}

TEST_CASE("after stop, hotplug reports are ignored") {
    Fixture f;
    REQUIRE(f.manager->start({device("scanner-1", "usb_scanner")}).empty());
    f.manager->stop();
    f.manager->hardware_arrived(kScanner);
    CHECK_FALSE(f.manager->find("scanner-1")->hardware.has_value());
    CHECK(f.manager->unbound().empty());
}

}  // namespace
}  // namespace hk::devices
