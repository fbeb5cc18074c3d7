// The real uevent source: a libudev monitor on udev's netlink group (events after udev has
// run its rules, so ID_* properties are there), filtered to the subsystems the hall uses, its
// socket watched by the event loop so reading never blocks it. At start it also lists the
// devices already present, delivered as `add` events before any live one.
#pragma once

#include <array>
#include <memory>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include "drivers/hotplug/uevent_source.hpp"

struct udev;
struct udev_monitor;
struct udev_device;

namespace hk::drivers::hotplug {

// The subsystems watched: serial ports, USB devices and interfaces (for libusb drivers and to
// see a composite device settle), scanners (input, hidraw) and document cameras.
inline constexpr std::array kWatchedSubsystems = {"tty", "usb", "input", "hidraw", "video4linux"};

// A udev_device as a Uevent, with the facts physical_path needs that udev does not put in
// the properties: the USB parent's ids and serial for nodes below it, and a video node's
// sysfs `index` (HK_V4L_INDEX). Enumerated devices (no ACTION) become `add`.
[[nodiscard]] Uevent to_uevent(udev_device* device);

class UdevSource final : public UeventSource {
public:
    explicit UdevSource(boost::asio::io_context& io);
    ~UdevSource() override;
    UdevSource(const UdevSource&) = delete;
    UdevSource& operator=(const UdevSource&) = delete;

private:
    std::expected<void, SourceError> do_start(Handler handler) override;
    void do_stop() override;

    void enumerate_present();
    void wait_readable();
    void drain();

    boost::asio::io_context& io_;
    boost::asio::posix::stream_descriptor socket_;
    udev* udev_ = nullptr;
    udev_monitor* monitor_ = nullptr;
    Handler handler_;
    std::shared_ptr<bool> alive_;  // false once stopped: posted work checks it
};

}  // namespace hk::drivers::hotplug
