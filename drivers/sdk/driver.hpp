// A driver instance and what it is made from: the validated configuration of one device (which
// driver, where it is, its parameters with defaults filled in) and the factory a driver
// registers to build an instance for such a configuration. The operations of each device class
// (print, read a card, show a number) are interfaces added on top of `Driver` per class.
//
// Everything here is header-only on purpose: a driver built as a shared object uses it without
// linking the host's code (docs/drivers.md).
#pragma once

#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <string>

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

// A running driver for one device. `start` opens and identifies the device (or begins to look
// for it); `stop` releases it and may be called in any state; `describe` is one line for
// hallctl and logs ("escpos on /dev/ttyUSB0, 80 mm").
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
};

// Builds a driver for a configuration validated against the driver's own manifest, or says why
// it cannot. It must not block: opening the device is `start`'s work.
using DriverFactory =
    std::function<std::expected<std::unique_ptr<Driver>, std::string>(const DeviceConfig&)>;

}  // namespace hk::drivers
