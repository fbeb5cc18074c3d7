// Device health: see health.hpp.
#include "drivers/sdk/health.hpp"

#include <array>
#include <utility>

namespace hk::drivers {
namespace {

constexpr std::array<std::pair<DeviceState, std::string_view>, 6> kStateNames = {{
    {DeviceState::absent, "absent"},
    {DeviceState::probing, "probing"},
    {DeviceState::online, "online"},
    {DeviceState::degraded, "degraded"},
    {DeviceState::faulted, "faulted"},
    {DeviceState::offline, "offline"},
}};

}  // namespace

std::string_view to_string(DeviceState state) {
    for (const auto& [s, name] : kStateNames) {
        if (s == state) {
            return name;
        }
    }
    return "unknown";
}

std::optional<DeviceState> parse_device_state(std::string_view name) {
    for (const auto& [s, n] : kStateNames) {
        if (n == name) {
            return s;
        }
    }
    return std::nullopt;
}

bool is_usable(DeviceState state) {
    return state == DeviceState::online || state == DeviceState::degraded;
}

bool HealthTracker::set(DeviceState state, std::string_view fault_code, std::string_view detail,
                        std::int64_t at_ms) {
    if (state == health_.state && fault_code == health_.fault) {
        health_.detail = detail;
        return false;
    }
    const auto before = health_;
    health_ = DeviceHealth{state, std::string(fault_code), std::string(detail), at_ms};
    if (listener_) {
        listener_(health_, before);
    }
    return true;
}

}  // namespace hk::drivers
