// Where uevents come from. UdevSource (udev_source.hpp) listens to udev on the event loop;
// InjectedSource is the one tests use: they hand it synthetic uevents and it passes them on
// synchronously, so a test controls exactly what the monitor sees and when.
#pragma once

#include <cstdint>
#include <expected>
#include <functional>
#include <string_view>
#include <vector>

#include "drivers/hotplug/uevent.hpp"

namespace hk::drivers::hotplug {

enum class SourceError : std::uint8_t {
    already_started,
    udev_unavailable,  // udev_new failed
    monitor_failed,    // the netlink monitor could not be created, filtered or bound
    enumerate_failed,  // the present devices could not be listed
};

[[nodiscard]] std::string_view to_string(SourceError error);

class UeventSource {
public:
    using Handler = std::function<void(const Uevent&)>;

    UeventSource() = default;
    UeventSource(const UeventSource&) = delete;
    UeventSource& operator=(const UeventSource&) = delete;
    virtual ~UeventSource() = default;

    // Starts delivering to `handler`: first every device present now, as `add` events (parents
    // before children), then live events as they happen. Never blocks the loop.
    std::expected<void, SourceError> start(Handler handler) { return do_start(std::move(handler)); }
    // Stops delivering; the handler is not called after stop() returns.
    void stop() { do_stop(); }

private:
    virtual std::expected<void, SourceError> do_start(Handler handler) = 0;
    virtual void do_stop() = 0;
};

// A source for tests: `present` events are delivered by start(), inject() delivers at once.
class InjectedSource final : public UeventSource {
public:
    explicit InjectedSource(std::vector<Uevent> present = {}) : present_(std::move(present)) {}

    // Delivers `event` now if started; returns whether it was delivered.
    bool inject(const Uevent& event);
    [[nodiscard]] bool started() const { return static_cast<bool>(handler_); }

private:
    std::expected<void, SourceError> do_start(Handler handler) override;
    void do_stop() override { handler_ = nullptr; }

    std::vector<Uevent> present_;
    Handler handler_;
};

}  // namespace hk::drivers::hotplug
