// UeventSource errors and the injected test source (uevent_source.hpp).
#include "drivers/hotplug/uevent_source.hpp"

namespace hk::drivers::hotplug {

std::string_view to_string(SourceError error) {
    switch (error) {
        case SourceError::already_started:
            return "already_started";
        case SourceError::udev_unavailable:
            return "udev_unavailable";
        case SourceError::monitor_failed:
            return "monitor_failed";
        case SourceError::enumerate_failed:
            return "enumerate_failed";
    }
    return "unknown";
}

std::expected<void, SourceError> InjectedSource::do_start(Handler handler) {
    if (handler_) {
        return std::unexpected(SourceError::already_started);
    }
    handler_ = std::move(handler);
    for (const auto& event : present_) {
        if (!handler_) {
            break;  // stopped from inside the handler
        }
        const auto deliver = handler_;  // the handler may stop the source
        deliver(event);
    }
    return {};
}

bool InjectedSource::inject(const Uevent& event) {
    if (!handler_) {
        return false;
    }
    const auto handler = handler_;  // the handler may stop the source
    handler(event);
    return true;
}

}  // namespace hk::drivers::hotplug
