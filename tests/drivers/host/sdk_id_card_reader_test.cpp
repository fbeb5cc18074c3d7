// sdk_id_card_reader end to end with the real hk-sim-vendor-reader helper: its manifest and
// helper lookup, the simulated SDK's answers (malformed requests included), and the driver
// reading cards while its helper crashes, hangs, is restarted and stopped. Every wait runs the
// loop until what it waits for has happened; the deadline only bounds a broken build.
#include "drivers/host/sdk_id_card_reader.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <sys/types.h>
#include <sys/wait.h>

#include "drivers/host/base64.hpp"
#include "drivers/host/helper_process.hpp"
#include "drivers/sdk/registry.hpp"
#include "tests/support/temp_dir.hpp"

using namespace hk::drivers;
using namespace hk::drivers::host;
using namespace std::chrono_literals;

namespace {

constexpr std::string_view kSampleName = "测试样例";
constexpr std::string_view kSampleNumber = "11010519491231002X";
const std::vector<std::uint8_t> kSamplePhoto = {'W', 'L', 'T', 0x00, 0x01, 0x7F, 0xFE, 0xFF};

bool run_until(boost::asio::io_context& io, const std::function<bool()>& done,
               std::chrono::milliseconds deadline = 10s) {
    const auto end = std::chrono::steady_clock::now() + deadline;
    io.restart();
    while (!done()) {
        if (std::chrono::steady_clock::now() >= end) {
            return false;
        }
        io.run_for(5ms);
        io.restart();
    }
    return true;
}

bool is_reaped(pid_t pid) {
    // Our child: waitpid fails with ECHILD once it has been reaped, returns 0 while it runs.
    int status = 0;
    return ::waitpid(pid, &status, WNOHANG) < 0 && errno == ECHILD;
}

bool gone(pid_t pid) {
    return ::kill(pid, 0) < 0 && errno == ESRCH;
}

// The check character of a GB 11643 citizen identity number.
char gb11643_check(std::string_view first17) {
    constexpr std::array<int, 17> kWeights = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    constexpr std::string_view kChecks = "10X98765432";
    int sum = 0;
    for (std::size_t i = 0; i < kWeights.size(); ++i) {
        sum += (first17[i] - '0') * kWeights[i];
    }
    return kChecks[static_cast<std::size_t>(sum % 11)];
}

ParameterValues test_params() {
    return {{"helper", std::string(HK_SIM_VENDOR_READER)},
            {"poll_interval", std::chrono::milliseconds(20)},
            {"request_timeout", std::chrono::milliseconds(300)}};
}

// A driver made by the registered factory, with its loop, health and events.
struct Harness {
    explicit Harness(ParameterValues params = test_params())
        : context{
              io, health, [this](DeviceEvent event) { events.push_back(std::move(event)); }, {}} {
        register_drivers(registry);
        const auto* entry = registry.find(kSdkIdCardReaderName);
        REQUIRE(entry != nullptr);
        auto made = entry->factory(DeviceConfig{.id = "reader-1",
                                                .driver = std::string(kSdkIdCardReaderName),
                                                .location = "test bench",
                                                .params = std::move(params)},
                                   context);
        REQUIRE(made.has_value());
        driver = std::move(*made);
        reader = dynamic_cast<SdkIdCardReader*>(driver.get());
        REQUIRE(reader != nullptr);
    }

    [[nodiscard]] std::string state(std::string_view name) const {
        for (const auto& [key, value] : reader->simulation_state()) {
            if (key == name) {
                return value;
            }
        }
        return "?";
    }
    [[nodiscard]] bool ready() const {
        return health.health().state == DeviceState::online && state("reader_open") == "yes";
    }
    template <typename Event>
    [[nodiscard]] std::size_t count() const {
        return static_cast<std::size_t>(std::ranges::count_if(
            events, [](const DeviceEvent& e) { return std::holds_alternative<Event>(e); }));
    }
    [[nodiscard]] std::vector<std::string> names() const {
        std::vector<std::string> out;
        out.reserve(events.size());
        for (const auto& event : events) {
            out.emplace_back(event_name(event));
        }
        return out;
    }
    [[nodiscard]] bool saw(DeviceState state, std::string_view fault_code) const {
        return std::ranges::any_of(changes, [&](const DeviceHealth& h) {
            return h.state == state && h.fault == fault_code;
        });
    }
    void simulate(std::string_view action, const std::vector<std::string>& args = {}) const {
        const auto said = reader->simulate(action, args);
        INFO(action);
        REQUIRE(said.has_value());
    }
    // Presents the sample card and waits until it has been read.
    const IdCard& read_sample() {
        const auto before = count<events::CardRead>();
        simulate("present_card");
        REQUIRE(run_until(io, [&] { return count<events::CardRead>() > before; }));
        return std::get<events::CardRead>(events.back()).card;
    }

    boost::asio::io_context io;
    std::vector<DeviceHealth> changes;
    HealthTracker health{
        [this](const DeviceHealth& now, const DeviceHealth&) { changes.push_back(now); }};
    std::vector<DeviceEvent> events;
    DriverContext context;
    DriverRegistry registry;
    std::unique_ptr<Driver> driver;  // last: goes before the loop it uses
    SdkIdCardReader* reader = nullptr;
};

void check_sample(const IdCard& card) {
    CHECK(card.kind == IdCard::Kind::resident);
    CHECK(card.name == kSampleName);
    CHECK(card.sex == "女");
    CHECK(card.nation == "汉");
    CHECK(card.birth_date == "19491231");
    CHECK(card.id_number == kSampleNumber);
    CHECK(card.valid_to == "长期");
    CHECK_FALSE(card.address.empty());
    CHECK_FALSE(card.authority.empty());
    CHECK(card.photo == kSamplePhoto);
}

// Whether any text the driver shows about itself holds the card's personal data.
bool leaks(const Harness& h) {
    std::vector<std::string> texts = {h.reader->describe(), h.health.health().detail};
    for (const auto& [key, value] : h.reader->simulation_state()) {
        texts.push_back(value);
    }
    for (const auto& event : h.events) {
        texts.push_back(describe_event(event));
        if (const auto* failed = std::get_if<events::CardReadFailed>(&event)) {
            texts.push_back(failed->detail);
        }
    }
    return std::ranges::any_of(texts, [](const std::string& text) {
        return text.find(kSampleName) != std::string::npos ||
               text.find(kSampleNumber) != std::string::npos ||
               text.find("19491231") != std::string::npos;
    });
}

}  // namespace

TEST_CASE("sdk_id_card_reader: its manifest is valid and its factory checks parameters") {
    const auto manifest = sdk_id_card_reader_manifest();
    CHECK(validate(manifest).empty());
    CHECK(manifest.device_class == DeviceClass::id_card_reader);
    CHECK(manifest.transport == TransportKind::helper_process);
    CHECK(manifest.maturity == Maturity::testing);
    CHECK(std::get<std::string>(manifest.parameter("helper")->default_value) ==
          kSimVendorReaderName);

    DriverRegistry registry;
    register_drivers(registry);
    const auto* entry = registry.find(kSdkIdCardReaderName);
    REQUIRE(entry != nullptr);
    CHECK(entry->manifest == manifest);

    boost::asio::io_context io;
    HealthTracker health;
    DriverContext context{io, health, {}, {}};
    const auto make = [&](ParameterValues params) {
        return entry->factory(
            DeviceConfig{.id = "r", .driver = manifest.name, .params = std::move(params)}, context);
    };
    CHECK(make({}).has_value());  // every default
    CHECK_FALSE(make({{"poll_interval", std::chrono::milliseconds(1)}}).has_value());
    CHECK_FALSE(make({{"poll_interval", std::int64_t{5}}}).has_value());
    CHECK_FALSE(make({{"colour", std::string("red")}}).has_value());
}

TEST_CASE("sdk_id_card_reader: a helper name is looked up next to the daemon, then in libexec") {
    const std::filesystem::path helper(HK_SIM_VENDOR_READER);
    const auto dir = helper.parent_path();
    const hk::test::TempDir empty("hk-host-test");
    const auto name = helper.filename().string();

    CHECK(find_helper(name, dir, empty.path()) == helper);
    CHECK(find_helper(name, empty.path(), dir) == helper);
    CHECK(find_helper(name, std::filesystem::path(), dir) == helper);
    CHECK(find_helper(helper.string(), empty.path(), empty.path()) == helper);
    CHECK_FALSE(find_helper(name, empty.path(), empty.path()).has_value());
    CHECK_FALSE(find_helper("", dir, dir).has_value());
    CHECK_FALSE(find_helper(".", dir, dir).has_value());  // a directory
    hk::test::write_file(empty / "not-executable", "#!/bin/sh\n");
    CHECK_FALSE(find_helper("not-executable", empty.path(), empty.path()).has_value());
    CHECK_FALSE(find_helper((empty / "not-executable").string(), dir, dir).has_value());
    CHECK(executable_dir() == std::filesystem::canonical("/proc/self/exe").parent_path());
    CHECK(libexec_dir().filename() == "hallkeeper");
}

TEST_CASE("sdk_id_card_reader: card data is parsed without quoting it in errors") {
    CHECK(base64_encode(kSamplePhoto) == "V0xUAAF//v8=");
    CHECK(base64_decode("V0xUAAF//v8=") == kSamplePhoto);
    CHECK(base64_decode("") == std::vector<std::uint8_t>{});
    CHECK(base64_decode("TWE=") == std::vector<std::uint8_t>{'M', 'a'});
    CHECK(base64_decode("TQ==") == std::vector<std::uint8_t>{'M'});
    for (const auto* bad : {"TQ=", "T===", "TR==", "TWF=", "A=B=", "@@@@", "TQ==TQ=="}) {
        INFO(bad);
        CHECK_FALSE(base64_decode(bad).has_value());
    }

    const std::string good =
        R"({"kind":"resident","name":"测试样例","sex":"女","nation":"汉","birth_date":"19491231",)"
        R"("address":"北京","id_number":"11010519491231002X","authority":"北京","valid_from":)"
        R"("20200101","valid_to":"长期","photo":"V0xUAAF//v8="})";
    const auto card = parse_card(good);
    REQUIRE(card.has_value());
    CHECK(card->name == kSampleName);
    CHECK(card->photo == kSamplePhoto);

    const auto broken = [&](std::string_view from, std::string_view to) {
        auto text = good;
        text.replace(text.find(from), from.size(), to);
        return parse_card(text);
    };
    for (const auto& result : {broken("V0xUAAF//v8=", "%%%"), broken(R"("sex":"女",)", ""),
                               broken(R"("resident")", R"("alien")"), broken("测试样例", ""),
                               broken("{", "[{") /* not an object */, parse_card("测试样例")}) {
        REQUIRE_FALSE(result.has_value());
        CHECK(result.error().find(kSampleName) == std::string::npos);
        CHECK(result.error().find(kSampleNumber) == std::string::npos);
    }
}

TEST_CASE("sdk_id_card_reader: the simulated vendor SDK answers malformed requests with errors") {
    boost::asio::io_context io;
    HelperOptions options;
    options.argv = {HK_SIM_VENDOR_READER};
    auto helper = HelperProcess::create(io, options);
    helper->start();
    REQUIRE(run_until(io, [&] { return helper->is_up(); }));
    const auto pid = helper->pid();

    using Result = std::expected<std::string, HelperFailure>;
    const auto ask = [&](std::string payload) {
        std::optional<Result> result;
        helper->request(std::move(payload), [&](Result r) { result = std::move(r); });
        REQUIRE(run_until(io, [&] { return result.has_value(); }));
        return *result;
    };
    const auto error_of = [&](std::string payload) {
        const auto result = ask(std::move(payload));
        REQUIRE_FALSE(result.has_value());
        CHECK(result.error().error == HelperError::failed);
        return result.error().detail;
    };

    CHECK_THAT(error_of(R"({"op":"find_card"})"), Catch::Contains("not_open"));
    CHECK_THAT(error_of(""), Catch::Contains("bad_request"));
    CHECK_THAT(error_of("not json"), Catch::Contains("bad_request"));
    CHECK_THAT(error_of("[1,2]"), Catch::Contains("bad_request"));
    CHECK_THAT(error_of("{}"), Catch::Contains("bad_request"));
    CHECK_THAT(error_of(R"({"op":42})"), Catch::Contains("bad_request"));
    CHECK_THAT(error_of(R"({"op":"fly"})"), Catch::Contains("unknown_op"));
    CHECK_THAT(error_of(std::string(100000 / 2, '[')), Catch::Contains("bad_request"));
    CHECK_THAT(error_of("{\"op\":\"\xff\xfe\"}"), Catch::Contains("bad_request"));
    CHECK_THAT(error_of(R"({"op":"simulate"})"), Catch::Contains("bad_request"));
    CHECK_THAT(error_of(R"({"op":"simulate","action":"fly"})"), Catch::Contains("unknown_action"));
    CHECK_THAT(error_of(R"({"op":"simulate","action":"remove_card"})"),
               Catch::Contains("invalid_state"));
    CHECK_THAT(error_of(R"({"op":"simulate","action":"present_card","unreadable":"x"})"),
               Catch::Contains("bad_request"));

    CHECK(ask(R"({"op":"open"})").has_value());
    CHECK(ask(R"({"op":"find_card"})") == Result(R"({"present":false})"));
    CHECK_THAT(error_of(R"({"op":"read_card"})"), Catch::Contains("no_card"));
    const auto status = ask(R"({"op":"status"})");
    REQUIRE(status.has_value());
    CHECK_THAT(*status, Catch::Contains(R"("sam":"ok")"));
    CHECK(helper->pid() == pid);  // never crashed
    CHECK(helper->health().counters().reconnects == 0);

    bool stopped = false;
    helper->stop([&] { stopped = true; });
    REQUIRE(run_until(io, [&] { return stopped; }));
    CHECK(is_reaped(pid));
}

TEST_CASE("sdk_id_card_reader: reads a presented card and sees it removed") {
    Harness h;
    CHECK_FALSE(h.reader->simulate("present_card", {}).has_value());  // not started
    REQUIRE(h.driver->start().has_value());
    REQUIRE(run_until(h.io, [&] { return h.ready(); }));
    CHECK_FALSE(h.reader->card_present());

    const auto& card = h.read_sample();
    check_sample(card);
    CHECK(std::string(kSampleNumber).back() == gb11643_check(kSampleNumber.substr(0, 17)));
    CHECK(h.names() == std::vector<std::string>{"card_presented", "card_read"});
    CHECK(h.reader->card_present());
    CHECK(h.state("card_present") == "yes");
    CHECK(h.state("cards_read") == "1");

    h.simulate("remove_card");
    REQUIRE(run_until(h.io, [&] { return h.count<events::CardRemoved>() == 1; }));
    CHECK(h.names() == std::vector<std::string>{"card_presented", "card_read", "card_removed"});
    CHECK_FALSE(h.reader->card_present());
    REQUIRE(run_until(h.io, [&] { return h.state("last_action") == "remove_card: done"; }));

    // An unreadable card: presented, then a failed read, then removed.
    h.events.clear();
    h.simulate("present_card", {"unreadable"});
    REQUIRE(run_until(h.io, [&] { return h.count<events::CardReadFailed>() == 1; }));
    CHECK(std::get<events::CardReadFailed>(h.events.back()).code == "unreadable");
    h.simulate("remove_card");
    REQUIRE(run_until(h.io, [&] { return h.count<events::CardRemoved>() == 1; }));
    CHECK(h.names() ==
          std::vector<std::string>{"card_presented", "card_read_failed", "card_removed"});

    std::optional<std::expected<std::string, DeviceError>> tested;
    h.driver->self_test([&](std::expected<std::string, DeviceError> r) { tested = std::move(r); });
    CHECK_FALSE(tested.has_value());  // completes on the loop, not inside the call
    REQUIRE(run_until(h.io, [&] { return tested.has_value(); }));
    REQUIRE(tested->has_value());
    CHECK_THAT(**tested, Catch::Contains("SAM ok"));

    CHECK(h.health.health().state == DeviceState::online);
    CHECK(h.health.counters().reconnects == 0);
    CHECK_FALSE(leaks(h));
}

TEST_CASE("sdk_id_card_reader: a crashing helper is reported, restarted and reads again") {
    Harness h;
    REQUIRE(h.driver->start().has_value());
    REQUIRE(run_until(h.io, [&] { return h.ready(); }));
    check_sample(h.read_sample());
    const auto crashed_pid = h.reader->helper_pid();

    h.simulate("crash");
    // Offline until the restart's backoff has passed, with how the helper ended.
    REQUIRE(run_until(h.io, [&] {
        return h.health.health().fault == fault::kCrashed &&
               h.health.health().detail.find("signal 6") != std::string::npos;
    }));
    CHECK(h.health.health().state == DeviceState::offline);
    // The card went with the reader's helper.
    REQUIRE(run_until(h.io, [&] { return h.count<events::CardRemoved>() == 1; }));
    CHECK_FALSE(h.reader->card_present());

    REQUIRE(run_until(h.io, [&] { return h.ready() && h.reader->helper_pid() != crashed_pid; }));
    CHECK(h.health.counters().reconnects == 1);
    CHECK(is_reaped(crashed_pid));
    CHECK(h.state("last_action") == "crash: helper_down");

    check_sample(h.read_sample());
    CHECK(h.names() == std::vector<std::string>{"card_presented", "card_read", "card_removed",
                                                "card_presented", "card_read"});
    CHECK_FALSE(leaks(h));
}

TEST_CASE("sdk_id_card_reader: a hung helper times out, is killed and restarted") {
    Harness h;
    REQUIRE(h.driver->start().has_value());
    REQUIRE(run_until(h.io, [&] { return h.ready(); }));
    const auto hung_pid = h.reader->helper_pid();

    h.simulate("hang");
    REQUIRE(run_until(h.io, [&] { return h.saw(DeviceState::offline, fault::kTimeout); }));
    CHECK(h.health.counters().timeouts >= 1);
    REQUIRE(run_until(h.io, [&] { return h.ready() && h.reader->helper_pid() != hung_pid; }));
    CHECK(is_reaped(hung_pid));
    CHECK(h.health.counters().reconnects == 1);

    check_sample(h.read_sample());

    // Hanging with a card on the reader: the card is gone with the helper (the new helper's
    // reader is empty).
    h.events.clear();
    const auto second_pid = h.reader->helper_pid();
    h.simulate("hang");
    REQUIRE(run_until(h.io, [&] { return h.count<events::CardRemoved>() == 1; }));
    REQUIRE(run_until(h.io, [&] { return h.ready() && h.reader->helper_pid() != second_pid; }));
    CHECK(h.health.counters().reconnects == 2);
}

TEST_CASE("sdk_id_card_reader: stop leaves no helper process behind") {
    Harness h;
    REQUIRE(h.driver->start().has_value());
    REQUIRE(run_until(h.io, [&] { return h.ready(); }));
    h.read_sample();
    const auto pid = h.reader->helper_pid();
    REQUIRE(pid > 0);

    const auto events_before = h.events.size();
    h.driver->stop();
    CHECK_FALSE(h.reader->card_present());
    REQUIRE(run_until(h.io, [&] { return h.reader->helper_pid() == -1; }));
    CHECK(gone(pid));
    CHECK(is_reaped(pid));
    CHECK(h.events.size() == events_before);  // stopping reports no card events
    CHECK_FALSE(h.reader->simulate("present_card", {}).has_value());

    std::optional<std::expected<std::string, DeviceError>> tested;
    h.driver->self_test([&](std::expected<std::string, DeviceError> r) { tested = std::move(r); });
    REQUIRE(run_until(h.io, [&] { return tested.has_value(); }));
    REQUIRE_FALSE(tested->has_value());
    CHECK(tested->error().code == device_errc::kNotReady);

    // It starts again with a new helper.
    REQUIRE(h.driver->start().has_value());
    REQUIRE(run_until(h.io, [&] { return h.ready(); }));
    CHECK(h.reader->helper_pid() != pid);
    check_sample(h.read_sample());
}

TEST_CASE("sdk_id_card_reader: destroying a running driver kills and reaps its helper") {
    Harness h;
    REQUIRE(h.driver->start().has_value());
    REQUIRE(run_until(h.io, [&] { return h.ready(); }));
    const auto pid = h.reader->helper_pid();
    h.driver.reset();
    h.reader = nullptr;
    CHECK(is_reaped(pid));
    h.io.restart();
    h.io.run_for(50ms);  // completions still queued find the driver gone
}

TEST_CASE("sdk_id_card_reader: simulate checks actions and a missing helper is reported") {
    Harness h;
    REQUIRE(h.driver->start().has_value());
    REQUIRE(run_until(h.io, [&] { return h.ready(); }));
    CHECK(h.reader->simulation_actions().size() == 4);
    CHECK_FALSE(h.reader->simulate("fly", {}).has_value());
    CHECK_FALSE(h.reader->simulate("present_card", {"sideways"}).has_value());
    CHECK_FALSE(h.reader->simulate("crash", {"now"}).has_value());
    h.driver->stop();

    auto params = test_params();
    params["helper"] = std::string("/nonexistent/hk-sim-vendor-reader");
    Harness missing(params);
    const auto started = missing.driver->start();
    REQUIRE_FALSE(started.has_value());
    CHECK(missing.health.health().state == DeviceState::offline);
    CHECK(missing.health.health().fault == fault::kOpenFailed);

    params["helper"] = std::string("hk-no-such-helper");
    Harness unknown(params);
    const auto unknown_started = unknown.driver->start();
    REQUIRE_FALSE(unknown_started.has_value());
    CHECK_THAT(unknown_started.error(), Catch::Contains(libexec_dir().string()));
}
