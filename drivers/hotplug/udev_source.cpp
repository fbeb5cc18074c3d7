// UdevSource: libudev monitor and enumeration on the event loop (udev_source.hpp).
#include "drivers/hotplug/udev_source.hpp"

#include <string>
#include <utility>

#include <boost/asio/post.hpp>
#include <libudev.h>

namespace hk::drivers::hotplug {

namespace {

std::string text_of(const char* text) {
    return text == nullptr ? std::string{} : text;
}

void add_fact(Properties& properties, const char* key, const char* value) {
    if (value != nullptr && properties.find(key) == properties.end()) {
        properties.emplace(key, value);
    }
}

}  // namespace

Uevent to_uevent(udev_device* device) {
    Uevent event;
    const auto action = parse_uevent_action(text_of(udev_device_get_action(device)));
    event.action = action.value_or(UeventAction::add);
    for (auto* entry = udev_device_get_properties_list_entry(device); entry != nullptr;
         entry = udev_list_entry_get_next(entry)) {
        const char* name = udev_list_entry_get_name(entry);
        if (name != nullptr) {
            event.properties.emplace(name, text_of(udev_list_entry_get_value(entry)));
        }
    }
    add_fact(event.properties, "DEVPATH", udev_device_get_devpath(device));
    add_fact(event.properties, "SUBSYSTEM", udev_device_get_subsystem(device));
    add_fact(event.properties, "DEVTYPE", udev_device_get_devtype(device));
    add_fact(event.properties, "DEVNAME", udev_device_get_devnode(device));
    event.properties.insert_or_assign("ACTION", std::string(to_string(event.action)));
    event.devpath = property(event.properties, "DEVPATH");
    event.subsystem = property(event.properties, "SUBSYSTEM");

    // Sysfs attributes are gone once a device is removed; its remove event carries what udev
    // stored at add, which the monitor remembers anyway.
    if (event.action == UeventAction::remove) {
        return event;
    }
    if (event.subsystem != "usb") {
        // Borrowed reference: owned by `device`.
        if (auto* usb =
                udev_device_get_parent_with_subsystem_devtype(device, "usb", "usb_device")) {
            add_fact(event.properties, "ID_VENDOR_ID",
                     udev_device_get_sysattr_value(usb, "idVendor"));
            add_fact(event.properties, "ID_MODEL_ID",
                     udev_device_get_sysattr_value(usb, "idProduct"));
            add_fact(event.properties, "ID_SERIAL_SHORT",
                     udev_device_get_sysattr_value(usb, "serial"));
        }
    }
    if (event.subsystem == "video4linux") {
        add_fact(event.properties, "HK_V4L_INDEX", udev_device_get_sysattr_value(device, "index"));
    }
    return event;
}

UdevSource::UdevSource(boost::asio::io_context& io) : io_(io), socket_(io) {}

UdevSource::~UdevSource() {
    do_stop();
}

std::expected<void, SourceError> UdevSource::do_start(Handler handler) {
    if (handler_) {
        return std::unexpected(SourceError::already_started);
    }
    udev_ = udev_new();
    if (udev_ == nullptr) {
        return std::unexpected(SourceError::udev_unavailable);
    }
    monitor_ = udev_monitor_new_from_netlink(udev_, "udev");
    bool ok = monitor_ != nullptr;
    for (const char* subsystem : kWatchedSubsystems) {
        ok = ok &&
             udev_monitor_filter_add_match_subsystem_devtype(monitor_, subsystem, nullptr) >= 0;
    }
    ok = ok && udev_monitor_enable_receiving(monitor_) >= 0;
    const int fd = ok ? udev_monitor_get_fd(monitor_) : -1;
    if (fd < 0) {
        do_stop();
        return std::unexpected(SourceError::monitor_failed);
    }
    boost::system::error_code ec;
    (void)socket_.assign(fd, ec);
    if (ec) {
        do_stop();
        return std::unexpected(SourceError::monitor_failed);
    }
    handler_ = std::move(handler);
    alive_ = std::make_shared<bool>(true);
    // The monitor is receiving before the listing, so nothing is lost in between (a device
    // may be seen twice, which the hotplug monitor tolerates). Both run from the loop, never
    // from inside start().
    boost::asio::post(io_, [this, alive = std::weak_ptr<bool>(alive_)] {
        if (const auto owner = alive.lock(); owner && *owner) {
            enumerate_present();
            wait_readable();
        }
    });
    return {};
}

void UdevSource::do_stop() {
    if (alive_) {
        *alive_ = false;
        alive_.reset();
    }
    handler_ = nullptr;
    if (socket_.is_open()) {
        boost::system::error_code ec;
        (void)socket_.cancel(ec);
        (void)socket_.release();  // the fd belongs to the monitor, closed by its unref
    }
    if (monitor_ != nullptr) {
        udev_monitor_unref(monitor_);
        monitor_ = nullptr;
    }
    if (udev_ != nullptr) {
        udev_unref(udev_);
        udev_ = nullptr;
    }
}

void UdevSource::enumerate_present() {
    udev_enumerate* enumerate = udev_enumerate_new(udev_);
    if (enumerate == nullptr) {
        return;
    }
    for (const char* subsystem : kWatchedSubsystems) {
        (void)udev_enumerate_add_match_subsystem(enumerate, subsystem);
    }
    // Sorted by path: parents come before their children.
    (void)udev_enumerate_scan_devices(enumerate);
    for (auto* entry = udev_enumerate_get_list_entry(enumerate); entry != nullptr && handler_;
         entry = udev_list_entry_get_next(entry)) {
        udev_device* device = udev_device_new_from_syspath(udev_, udev_list_entry_get_name(entry));
        if (device == nullptr) {
            continue;  // gone since the scan
        }
        const auto event = to_uevent(device);
        udev_device_unref(device);
        const auto handler = handler_;  // the handler may stop the source
        handler(event);
    }
    udev_enumerate_unref(enumerate);
}

void UdevSource::wait_readable() {
    socket_.async_wait(
        boost::asio::posix::stream_descriptor::wait_read,
        [this, alive = std::weak_ptr<bool>(alive_)](const boost::system::error_code& ec) {
            const auto owner = alive.lock();
            if (ec || !owner || !*owner) {
                return;
            }
            drain();
            if (*owner) {
                wait_readable();
            }
        });
}

void UdevSource::drain() {
    // The monitor socket is non-blocking: receive until it is empty.
    const auto alive = alive_;
    while (alive && *alive) {
        udev_device* device = udev_monitor_receive_device(monitor_);
        if (device == nullptr) {
            return;
        }
        const auto event = to_uevent(device);
        udev_device_unref(device);
        if (handler_) {
            const auto handler = handler_;  // the handler may stop the source
            handler(event);
        }
    }
}

}  // namespace hk::drivers::hotplug
