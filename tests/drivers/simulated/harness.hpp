// Test harness of the simulated drivers: one device built through its registered factory,
// with its own loop, health tracker, recorded events and a fixed clock, and helpers to
// run the loop until what a test waits for has happened (never sleeping).
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include "drivers/sdk/device_classes.hpp"
#include "drivers/sdk/driver.hpp"
#include "drivers/sdk/registry.hpp"
#include "drivers/sdk/simulation.hpp"
#include "drivers/simulated/simulated.hpp"

namespace hk::drivers::test {

using namespace std::chrono_literals;

// The simulated drivers, registered as the daemon registers them (simulated::register_drivers),
// in a registry of their own: the tests need nothing but hk_drivers.
inline const DriverRegistry& simulated_drivers() {
    static const DriverRegistry registry = [] {
        DriverRegistry built;
        simulated::register_drivers(built);
        return built;
    }();
    return registry;
}

inline constexpr std::int64_t kNow = 1'700'000'000'000;  // the fake clock's time
// How long a broken build may hang a wait; the waits end as soon as their event happens.
inline constexpr std::chrono::milliseconds kBound = 10s;

// What a completion delivered, and how often it ran. Copies share the record, so the
// callback stays valid however the Outcome is passed around.
template <typename T>
class Outcome {
public:
    Completion<T> callback() {
        return [record = record_](std::expected<T, DeviceError> value) {
            ++record->calls;
            record->result = std::move(value);
        };
    }
    [[nodiscard]] int calls() const { return record_->calls; }
    [[nodiscard]] bool done() const { return record_->calls > 0; }
    [[nodiscard]] bool ok() const { return done() && record_->result->has_value(); }
    [[nodiscard]] const std::expected<T, DeviceError>& result() const {
        REQUIRE(done());
        return *record_->result;
    }
    // The error code, or "" when it succeeded or has not completed.
    [[nodiscard]] std::string code() const {
        return done() && !record_->result->has_value() ? record_->result->error().code : "";
    }

private:
    struct Record {
        int calls = 0;
        std::optional<std::expected<T, DeviceError>> result;
    };
    std::shared_ptr<Record> record_ = std::make_shared<Record>();
};

class Harness {
public:
    // A device of the class with `params` over the defaults; response_delay (and a speaker's
    // char_time) is 0 unless set.
    explicit Harness(DeviceClass device_class, ParameterValues params = {}) {
        params.try_emplace("response_delay", std::chrono::milliseconds(0));
        if (device_class == DeviceClass::speaker) {
            params.try_emplace("char_time", std::chrono::milliseconds(0));
        }
        const auto* registered = simulated_drivers().find(simulated::driver_name(device_class));
        REQUIRE(registered != nullptr);
        auto built = registered->factory(
            DeviceConfig{
                .id = "sim-1", .driver = registered->manifest.name, .params = std::move(params)},
            context);
        if (!built) {
            FAIL("factory refused: " << built.error());
        }
        driver = std::move(*built);
    }
    Harness(const Harness&) = delete;
    Harness& operator=(const Harness&) = delete;
    Harness(Harness&&) = delete;
    Harness& operator=(Harness&&) = delete;
    ~Harness() = default;

    // Runs the loop until `done` holds; false if it did not within `bound` or the loop ran out
    // of work first.
    bool run_until(const std::function<bool()>& done, std::chrono::milliseconds bound = kBound) {
        const auto deadline = std::chrono::steady_clock::now() + bound;
        while (!done()) {
            const auto now = std::chrono::steady_clock::now();
            if (now >= deadline) {
                return false;
            }
            if (io.stopped()) {
                io.restart();
            }
            if (io.run_one_for(deadline - now) == 0 && io.stopped()) {
                io.restart();
                return done();  // nothing left that could make it true
            }
        }
        return true;
    }

    // Runs everything queued until the loop has no work: for after stop(), when nothing may
    // keep running. False if work remained after `bound`.
    bool drain(std::chrono::milliseconds bound = kBound) {
        io.restart();
        io.run_for(bound);
        const bool idle = io.stopped();
        io.restart();
        return idle;
    }

    // Starts the device and waits until it is online.
    void start_online() {
        REQUIRE(driver->start());
        REQUIRE(run_until([this] { return health.health().state == DeviceState::online; }));
    }

    template <typename T>
    T& device() {
        auto* typed = as<T>(*driver);
        REQUIRE(typed != nullptr);
        return *typed;
    }

    SimulationControl& sim() { return device<SimulationControl>(); }

    std::expected<std::string, std::string> act(std::string_view action,
                                                const std::vector<std::string>& args = {}) {
        return sim().simulate(action, args);
    }

    // One value of simulation_state; fails the test when there is no such entry.
    std::string state(std::string_view name) {
        for (auto& [key, value] : sim().simulation_state()) {
            if (key == name) {
                return value;
            }
        }
        FAIL("no state entry " << name);
        return "";
    }

    template <typename Event>
    [[nodiscard]] std::vector<Event> events_of() const {
        std::vector<Event> found;
        for (const auto& event : events) {
            if (const auto* typed = std::get_if<Event>(&event)) {
                found.push_back(*typed);
            }
        }
        return found;
    }

    // Runs `operation` with a fresh Outcome's callback and waits until it completes.
    template <typename T, typename Start>
    Outcome<T> complete(Start start) {
        Outcome<T> outcome;
        start(outcome.callback());
        CHECK(outcome.calls() == 0);  // never inline
        REQUIRE(run_until([&] { return outcome.done(); }));
        CHECK(outcome.calls() == 1);
        return outcome;
    }

    boost::asio::io_context io;
    HealthTracker health;
    std::vector<DeviceEvent> events{};
    DriverContext context{.io = io,
                          .health = health,
                          .emit = [this](DeviceEvent event) { events.push_back(std::move(event)); },
                          .now_ms = [] { return kNow; }};
    std::unique_ptr<Driver> driver{};  // last: destroyed first, while the loop still exists
};

inline ParameterValue ms(std::int64_t count) {
    return std::chrono::milliseconds(count);
}
inline ParameterValue int_value(std::int64_t value) {
    return value;
}
inline ParameterValue text_value(std::string value) {
    return value;
}

}  // namespace hk::drivers::test
