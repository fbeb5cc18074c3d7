// The health every device reports: its state, why (a stable fault code), since when, and
// counters of what went wrong. Drivers and transports move a device between states through a
// HealthTracker, which reports each real change once to its listener (the device manager
// turns those into events for hallctl and the platform).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace hk::drivers {

enum class DeviceState : std::uint8_t {
    absent,    // configured but not present: never found, or unplugged and gone
    probing,   // found; being opened and identified
    online,    // working
    degraded,  // working with a warning: paper low, slow or retried replies
    faulted,   // present but not usable now: paper out, cover open, cutter error
    offline,   // was found, but the link is down or the device stopped answering; reconnecting
};

[[nodiscard]] std::string_view to_string(DeviceState state);
[[nodiscard]] std::optional<DeviceState> parse_device_state(std::string_view name);
// online and degraded: the device can do its work.
[[nodiscard]] bool is_usable(DeviceState state);

// Common fault codes. Drivers add their own (snake_case, stable: screens and the platform
// key on them), e.g. "paper_out", "cover_open", "sam_error".
namespace fault {
inline constexpr std::string_view kTimeout = "timeout";            // no answer in time
inline constexpr std::string_view kIoError = "io_error";           // read/write failed
inline constexpr std::string_view kDisconnected = "disconnected";  // peer closed, unplugged
inline constexpr std::string_view kOpenFailed = "open_failed";     // port/device cannot be opened
inline constexpr std::string_view kProtocol = "protocol_error";    // malformed replies
inline constexpr std::string_view kCrashed = "driver_crashed";     // helper process died
}  // namespace fault

struct DeviceHealth {
    DeviceState state = DeviceState::absent;
    std::string fault;          // empty when online; a stable code otherwise
    std::string detail;         // for technicians; never personal data
    std::int64_t since_ms = 0;  // when the state or fault last changed (ms since the epoch)
    friend bool operator==(const DeviceHealth&, const DeviceHealth&) = default;
};

struct DeviceCounters {
    std::uint64_t io_errors = 0;
    std::uint64_t timeouts = 0;
    std::uint64_t retries = 0;
    std::uint64_t reconnects = 0;
    friend bool operator==(const DeviceCounters&, const DeviceCounters&) = default;
};

class HealthTracker {
public:
    // Called after each change with the new and the previous health.
    using Listener = std::function<void(const DeviceHealth& now, const DeviceHealth& before)>;

    explicit HealthTracker(Listener listener = {}) : listener_(std::move(listener)) {}

    // Moves to `state` with `fault` (empty for online/probing/absent without a reason). A
    // change of state or fault is reported and restarts `since_ms`; a new detail alone is kept
    // silently. Returns whether it was a change.
    bool set(DeviceState state, std::string_view fault_code, std::string_view detail,
             std::int64_t at_ms);

    [[nodiscard]] const DeviceHealth& health() const { return health_; }
    [[nodiscard]] DeviceCounters& counters() { return counters_; }
    [[nodiscard]] const DeviceCounters& counters() const { return counters_; }

private:
    Listener listener_;
    DeviceHealth health_;
    DeviceCounters counters_;
};

}  // namespace hk::drivers
