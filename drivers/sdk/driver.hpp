// A driver instance and what it is made from: the validated configuration of one device (which
// driver, where it is, its parameters with defaults filled in), the context the device manager
// gives it (the loop, its health, where its events go) and the factory a driver registers to
// build an instance. The operations of each device class (print, read a card, show a number)
// are interfaces on top of `Driver`, one per class (device_classes.hpp).
//
// Everything here is header-only on purpose: a driver built as a shared object uses it without
// linking the host's code (docs/drivers.md).
#pragma once

#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>

#include "drivers/sdk/device_events.hpp"
#include "drivers/sdk/health.hpp"
#include "drivers/sdk/manifest.hpp"

namespace hk::drivers {

// One configured device, as the device configuration ([[device]] in the daemon config) binds
// it: every parameter of the driver's manifest has a value, checked against its type.
struct DeviceConfig {
    std::string id;                     // unique among the node's devices: [a-z0-9_-]{1,32}
    std::string driver;                 // a registered driver's name
    std::string location;               // for technicians: "大厅东侧取号机"
    std::optional<std::string> window;  // the hall window it belongs to, if any
    std::optional<std::string> port;    // explicit device node, "/dev/ttyS1"
    std::optional<std::string> match;   // physical path of the one device to take
    ParameterValues params;

    friend bool operator==(const DeviceConfig&, const DeviceConfig&) = default;
};

// Why a device operation failed: a stable code (a fault code of health.hpp, a class's own such
// as "paper_out", or "busy", "not_supported", "cancelled") and a detail for technicians. Never
// personal data.
struct DeviceError {
    std::string code;
    std::string detail;
    friend bool operator==(const DeviceError&, const DeviceError&) = default;
};

namespace device_errc {
inline constexpr std::string_view kBusy = "busy";                   // one at a time; try later
inline constexpr std::string_view kNotReady = "not_ready";          // not online (see health)
inline constexpr std::string_view kNotSupported = "not_supported";  // this model cannot
inline constexpr std::string_view kCancelled = "cancelled";         // the driver was stopped
inline constexpr std::string_view kInvalid = "invalid_request";     // bad arguments
}  // namespace device_errc

// How an asynchronous device operation completes. Completions always run on the loop, later,
// never inside the call that started the operation; each runs exactly once (with
// device_errc::kCancelled when the driver is stopped first).
template <typename T>
using Completion = std::function<void(std::expected<T, DeviceError>)>;

// What the device manager gives a driver. Everything runs on `io`'s one thread: a driver never
// blocks it (slow work goes to a transport, a timer or a helper process).
struct DriverContext {
    boost::asio::io_context& io;
    // The device's health: the driver moves it (transports it owns report to it too).
    HealthTracker& health;
    // Sends one event of the device up to the daemon (device_events.hpp).
    std::function<void(DeviceEvent)> emit;
    // Wall-clock milliseconds since the epoch, for health timestamps (tests pass a fake).
    std::function<std::int64_t()> now_ms;
};

// A running driver for one device. `start` opens and identifies the device (or begins to look
// for it) without blocking, and reports progress through the context's health; `stop`
// releases it, completes outstanding operations with kCancelled, and may be called in any
// state; `describe` is one line for hallctl and logs ("escpos on /dev/ttyUSB0, 80 mm").
class Driver {
public:
    Driver() = default;
    Driver(const Driver&) = delete;
    Driver& operator=(const Driver&) = delete;
    Driver(Driver&&) = delete;
    Driver& operator=(Driver&&) = delete;
    virtual ~Driver() = default;

    [[nodiscard]] virtual std::expected<void, std::string> start() = 0;
    virtual void stop() = 0;
    [[nodiscard]] virtual std::string describe() const = 0;

    // A short self-test a technician runs with `hallctl devices test` (print a test ticket,
    // show a test pattern, say a test phrase…): completes with one line saying what was done.
    // Every driver has one: a technician must be able to check any device from hallctl.
    virtual void self_test(Completion<std::string> done) = 0;

    // Records the device's traffic into the trace file `file` (docs/transports.md) from now
    // on, or stops recording (nullopt), for `hallctl devices trace`. Drivers talking through a
    // Transport pass it on (Transport::set_trace); others cannot.
    virtual std::expected<void, DeviceError> trace(const std::optional<std::string>& file) {
        static_cast<void>(file);
        return std::unexpected(DeviceError{std::string(device_errc::kNotSupported),
                                           "this driver has no byte link to trace"});
    }

    // The device's hotplug node is there again, possibly under a new /dev name: reopen now
    // rather than at the next backoff step. `devnode` is where it is now.
    virtual void device_arrived(const std::string& devnode) { static_cast<void>(devnode); }
    // The hotplug layer saw the device go away.
    virtual void device_left() {}
};

// Builds a driver for a configuration validated against the driver's own manifest, or says why
// it cannot. It must not block: opening the device is `start`'s work. The context outlives
// the driver.
using DriverFactory = std::function<std::expected<std::unique_ptr<Driver>, std::string>(
    const DeviceConfig&, DriverContext&)>;

}  // namespace hk::drivers
