// The devices inside the real daemon: the demo's simulated devices, one of each class, driven
// through hallctl and a scenario; a serial scanner on a real pty unplugged and replugged; a
// helper-process driver killed and restarted while the daemon keeps serving.
#include <algorithm>
#include <array>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <thread>

#include <catch2/catch.hpp>
#include <fcntl.h>
#include <nlohmann/json.hpp>
#include <pty.h>
#include <signal.h>
#include <unistd.h>

#include "daemon/control/client.hpp"
#include "tests/system/daemon_harness.hpp"

using hk::test::DaemonHarness;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

json call(const DaemonHarness& hall, std::string_view command, const json& args = json::object()) {
    auto client = hk::control::Client::connect(hall.socket(), 0ms);
    REQUIRE(client);
    auto answer = client->call(command, args, 10s);
    if (!answer) {
        return json{{"error", answer.error().code}, {"message", answer.error().message}};
    }
    return *answer;
}

json device(const DaemonHarness& hall, std::string_view id) {
    return call(hall, "device", {{"id", id}});
}

// Asks the daemon until `done` holds for the answer of `query`: the daemon's own state is the
// synchronisation, the deadline only bounds a broken build.
json wait_for(const std::function<json()>& query, const std::function<bool(const json&)>& done) {
    const auto deadline = std::chrono::steady_clock::now() + hk::test::kDeadline;
    json answer = query();
    while (!done(answer)) {
        if (std::chrono::steady_clock::now() > deadline) {
            FAIL("condition not reached; last answer: " << answer.dump());
        }
        std::this_thread::sleep_for(20ms);
        answer = query();
    }
    return answer;
}

bool has_event(const json& shown, std::string_view text) {
    for (const auto& event : shown.value("recent_events", json::array())) {
        if (event.value("event", "") == text) {
            return true;
        }
    }
    return false;
}

std::string read_file(const std::filesystem::path& file) {
    std::ifstream in(file);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

// The demo config's devices: a simulated device of each class, two ID card readers (the kiosk's
// and window 1's) (packaging/demo.toml).
std::string demo_devices() {
    auto demo = read_file(std::filesystem::path(HK_SOURCE_DIR) / "packaging" / "demo.toml");
    // The demo logs to the terminal; keep only the devices and a scenario-free config.
    const auto first = demo.find("[[device]]");
    return demo.substr(first, demo.find("[simulation]") - first);
}

// A pty standing in for a serial scanner behind a stable symlink, unpluggable.
class PtyScanner {
public:
    explicit PtyScanner(std::filesystem::path link) : link_(std::move(link)) { plug(); }
    PtyScanner(const PtyScanner&) = delete;
    PtyScanner& operator=(const PtyScanner&) = delete;
    ~PtyScanner() { unplug(); }

    void plug() {
        std::array<char, 256> name{};
        int slave = -1;
        REQUIRE(::openpty(&master_, &slave, name.data(), nullptr, nullptr) == 0);
        ::close(slave);
        // Not inherited by the daemon started later: an unplug must close the last master.
        REQUIRE(::fcntl(master_, F_SETFD, FD_CLOEXEC) == 0);
        std::filesystem::create_symlink(name.data(), link_);
    }
    void unplug() {
        if (master_ >= 0) {
            ::close(master_);
            master_ = -1;
        }
        std::error_code ignored;
        std::filesystem::remove(link_, ignored);
    }
    void scan(std::string_view code) const {
        const std::string line = std::string(code) + "\r\n";
        REQUIRE(::write(master_, line.data(), line.size()) == static_cast<ssize_t>(line.size()));
    }

private:
    std::filesystem::path link_;
    int master_ = -1;
};

// The pids of `pid`'s children.
std::vector<pid_t> children_of(pid_t pid) {
    std::vector<pid_t> out;
    for (const auto& task :
         std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task")) {
        std::ifstream in(task.path() / "children");
        pid_t child = 0;
        while (in >> child) {
            out.push_back(child);
        }
    }
    return out;
}

}  // namespace

TEST_CASE("the demo starts with a simulated device of each class, all online") {
    DaemonHarness hall;
    hall.write_config("[node]\nid = \"devices-node\"\n" + demo_devices());
    hall.start_ready();
    const auto listed =
        wait_for([&] { return call(hall, "devices"); },
                 [](const json& answer) {
                     const auto& devices = answer["devices"];
                     return devices.size() == 9 && std::ranges::all_of(devices, [](const json& d) {
                                return d["state"] == "online";
                            });
                 });
    std::set<std::string> classes;
    for (const auto& d : listed["devices"]) {
        classes.insert(d["class"].get<std::string>());
    }
    CHECK(classes == std::set<std::string>{"barcode_scanner", "document_camera", "evaluator",
                                           "hall_screen", "id_card_reader", "speaker",
                                           "ticket_printer", "window_display"});

    // Every device came online through probing, and each change is a device.health event.
    const auto events = call(hall, "events", {{"after", 0}, {"limit", 500}});
    std::size_t online = 0;
    for (const auto& event : events["events"]) {
        if (event["type"] == "device.health" && event["payload"]["state"] == "online") {
            ++online;
        }
    }
    CHECK(online == 9);

    const auto table = hall.hallctl({"devices", "list"});
    CHECK(table.exit_code == 0);
    CHECK(table.out.find("printer-1") != std::string::npos);
    CHECK(table.out.find("ticket_printer") != std::string::npos);
    CHECK(hall.stop() == 0);
}

TEST_CASE("a card presented through hallctl is read, shown without its personal data") {
    DaemonHarness hall;
    hall.write_config("[node]\nid = \"devices-node\"\n" + demo_devices());
    hall.start_ready();
    wait_for([&] { return device(hall, "id-reader-1"); },
             [](const json& d) { return d["state"] == "online"; });
    const auto presented =
        hall.hallctl({"devices", "simulate", "id-reader-1", "present_card", "resident"});
    REQUIRE(presented.exit_code == 0);
    const auto shown =
        wait_for([&] { return device(hall, "id-reader-1"); },
                 [](const json& d) { return has_event(d, "card_read (resident card)"); });
    CHECK(has_event(shown, "card_presented"));
    REQUIRE(hall.hallctl({"devices", "simulate", "id-reader-1", "remove_card"}).exit_code == 0);
    wait_for([&] { return device(hall, "id-reader-1"); },
             [](const json& d) { return has_event(d, "card_removed"); });

    // Unknown actions and devices are refused with a reason and change nothing.
    const auto unknown = hall.hallctl({"devices", "simulate", "id-reader-1", "explode"});
    CHECK(unknown.exit_code == 1);
    CHECK(unknown.err.find("simulation_refused") != std::string::npos);
    const auto nobody = hall.hallctl({"devices", "show", "no-such-device"});
    CHECK(nobody.exit_code == 1);
    CHECK(nobody.err.find("no device 'no-such-device'") != std::string::npos);

    const auto test = hall.hallctl({"devices", "test", "printer-1"});
    CHECK(test.exit_code == 0);
    CHECK(test.out.rfind("printer-1: ", 0) == 0);

    CHECK(hall.stop() == 0);
    // The sample card's number and name never reach the log.
    const auto log = hall.log();
    CHECK(log.find("11010519491231002X") == std::string::npos);
    CHECK(log.find("测试样例") == std::string::npos);
}

TEST_CASE("a scenario drives the simulated devices, a wrong one stops the start with its line") {
    DaemonHarness hall;
    hk::test::write_file(hall.dir() / "scenario.txt",
                         "# a citizen scans an appointment code, once the devices are up\n"
                         "1s scanner-1 scan APPT-0042\n"
                         "10ms evaluator-3 press 4\n");
    hall.write_config("[node]\nid = \"devices-node\"\n[simulation]\nscript = \"scenario.txt\"\n" +
                      demo_devices());
    hall.start_ready();
    wait_for([&] { return device(hall, "scanner-1"); },
             [](const json& d) { return has_event(d, "code_scanned (9 characters)"); });
    wait_for([&] { return device(hall, "evaluator-3"); },
             [](const json& d) { return has_event(d, "key_pressed 4"); });
    CHECK(hall.stop() == 0);

    hk::test::write_file(hall.dir() / "scenario.txt",
                         "0ms scanner-1 scan A\n1s printer-9 refill\n");
    const auto refused =
        hk::test::run_hallkeeperd({"--config", hall.config_file().string(), "--state-dir",
                                   hall.state_dir().string(), "--socket", hall.socket().string()});
    CHECK(refused.exit_code == 78);  // EX_CONFIG
    CHECK(refused.err.find("scenario.txt:2: no device 'printer-9' is configured") !=
          std::string::npos);
}

TEST_CASE("a serial scanner on a pty reads codes, survives a replug and records a trace") {
    DaemonHarness hall;
    PtyScanner pty(hall.dir() / "scanner-port");
    hall.write_config(
        "[node]\nid = \"devices-node\"\n[[device]]\nid = \"scanner-9\"\n"
        "driver = \"serial_barcode_scanner\"\nport = \"" +
        (hall.dir() / "scanner-port").string() + "\"\n");
    hall.start_ready();
    wait_for([&] { return device(hall, "scanner-9"); },
             [](const json& d) { return d["state"] == "online"; });

    const auto trace_file = hall.dir() / "scanner.trace";
    REQUIRE(
        hall.hallctl({"devices", "trace", "scanner-9", "--out", trace_file.string()}).exit_code ==
        0);
    pty.scan("A20261123001");
    wait_for([&] { return device(hall, "scanner-9"); },
             [](const json& d) { return d["events"] == 1; });
    REQUIRE(hall.hallctl({"devices", "trace", "scanner-9", "--stop"}).exit_code == 0);
    CHECK(read_file(trace_file).find("\"hex\":\"4132303236313132333030310d0a\"") !=
          std::string::npos);

    pty.unplug();
    const auto offline = wait_for([&] { return device(hall, "scanner-9"); },
                                  [](const json& d) { return d["state"] == "offline"; });
    CHECK(offline["fault"] == "disconnected");
    pty.plug();
    wait_for([&] { return device(hall, "scanner-9"); },
             [](const json& d) { return d["state"] == "online"; });
    pty.scan("AFTER-REPLUG");
    const auto after = wait_for([&] { return device(hall, "scanner-9"); },
                                [](const json& d) { return d["events"] == 2; });
    CHECK(after["counters"]["reconnects"].get<int>() >= 1);
    CHECK(hall.stop() == 0);
}

TEST_CASE("a helper-process driver that is killed is restarted while the daemon keeps serving") {
    DaemonHarness hall;
    hall.write_config(std::string("[node]\nid = \"devices-node\"\n[[device]]\nid = \"sdk-reader\"\n"
                                  "driver = \"sdk_id_card_reader\"\n"
                                  "params = { helper = \"") +
                      HK_SIM_VENDOR_READER + "\", poll_interval = \"50ms\" }\n");
    auto& daemon = hall.start_ready();
    wait_for([&] { return device(hall, "sdk-reader"); },
             [](const json& d) { return d["state"] == "online"; });
    const auto helpers = children_of(daemon.pid());
    REQUIRE(helpers.size() == 1);

    REQUIRE(::kill(helpers.front(), SIGKILL) == 0);
    // The daemon answers while its driver is down, and brings the helper back by itself.
    CHECK(call(hall, "status")["node"]["id"] == "devices-node");
    const auto back =
        wait_for([&] { return device(hall, "sdk-reader"); },
                 [](const json& d) {
                     return d["state"] == "online" && d["counters"]["reconnects"].get<int>() >= 1;
                 });
    CHECK(back["fault"].get<std::string>().empty());
    const auto restarted = children_of(daemon.pid());
    REQUIRE(restarted.size() == 1);
    CHECK(restarted.front() != helpers.front());

    // A card laid on the reader behind the helper is read through it.
    REQUIRE(hall.hallctl({"devices", "simulate", "sdk-reader", "present_card"}).exit_code == 0);
    wait_for([&] { return device(hall, "sdk-reader"); },
             [](const json& d) { return has_event(d, "card_read (resident card)"); });

    // The crash is in the event log as a health change.
    const auto events = call(hall, "events", {{"after", 0}, {"limit", 500}});
    bool crashed = false;
    for (const auto& event : events["events"]) {
        crashed = crashed || (event["type"] == "device.health" &&
                              event["payload"]["fault"] == "driver_crashed");
    }
    CHECK(crashed);
    CHECK(hall.stop() == 0);
    // Stopping the daemon stopped and reaped its helper.
    CHECK_FALSE(std::filesystem::exists("/proc/" + std::to_string(restarted.front())));
}

TEST_CASE("driver shared objects from --driver-dir are usable in the config, bad ones refused") {
    DaemonHarness hall;
    hall.write_config(
        "[node]\nid = \"devices-node\"\n[[device]]\nid = \"plugged\"\n"
        "driver = \"plugin_printer\"\nparams = { baud = 19200 }\n");
    const auto without = hk::test::run_hallkeeperd(
        {"--check-config", hall.config_file().string(), "--driver-dir", hall.dir().string()});
    CHECK(without.exit_code == 78);
    CHECK(without.err.find("unknown driver \"plugin_printer\"") != std::string::npos);

    const auto with = hk::test::run_hallkeeperd(
        {"--check-config", hall.config_file().string(), "--driver-dir", HK_TEST_PLUGIN_DIR});
    CHECK(with.exit_code == 0);
    CHECK(with.err.find("driver plugin_printer loaded from") != std::string::npos);
    CHECK(with.err.find("hk_test_plugin_wrong_major.so refused") != std::string::npos);

    const auto missing =
        hk::test::run_hallkeeperd({"--check-config", hall.config_file().string(), "--driver-dir",
                                   (hall.dir() / "absent").string()});
    CHECK(missing.exit_code == 78);
    CHECK(missing.err.find("driver directory") != std::string::npos);
}
