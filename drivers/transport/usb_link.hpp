// A USB device's bulk (or interrupt) endpoints as a transport link, through libusb: the device
// is chosen by vendor and product id (and optionally its port or serial number), its kernel
// driver is detached, the interface claimed, and reads and writes are asynchronous libusb
// transfers handled on the loop by the shared UsbContext (usb_context.hpp). Closing cancels
// the transfers; the device is released once libusb has called them back. For USB printers
// and other devices without a kernel tty. See docs/transports.md, "USB (libusb)".
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/error_code.hpp>

#include "drivers/transport/transport.hpp"

namespace hk::drivers::transport {

class UsbContext;
class UsbSession;

// Which device to open.
struct UsbSelector {
    std::uint16_t vendor_id = 0;
    std::uint16_t product_id = 0;
    std::string port;    // "1-1.2": bus, then the hub ports from the root; empty: any port
    std::string serial;  // the device's serial number string; empty: any
    friend bool operator==(const UsbSelector&, const UsbSelector&) = default;
};

// "1a86:7523", or the hotplug name of a USB device (docs/hotplug.md) "usb:1a86/7523" or
// "usb:1a86/7523:1-1.2". Ids are hex, 1-4 digits.
[[nodiscard]] std::expected<UsbSelector, std::string> parse_usb_selector(std::string_view text);
// "1a86:7523", "1a86:7523 at 1-1.2 serial A1B2".
[[nodiscard]] std::string to_string(const UsbSelector& selector);

struct UsbOptions {
    UsbSelector device;
    std::uint8_t interface_number = 0;
    // Endpoint addresses (IN has bit 7 set: 0x81); unset: the interface's first bulk endpoint
    // of that direction, else its first interrupt endpoint. Without an IN endpoint reads never
    // complete; without an OUT endpoint writes fail.
    std::optional<std::uint8_t> in_endpoint;
    std::optional<std::uint8_t> out_endpoint;
    // A write the device has not taken in this time fails with fault timeout (0: no limit).
    std::chrono::milliseconds write_timeout{5000};
    // Bytes asked for per IN transfer, rounded up to a multiple of the endpoint's packet size.
    std::size_t read_size = 4096;
};

// Checks the options without touching USB: the reason they are wrong, if they are.
[[nodiscard]] std::expected<void, std::string> validate(const UsbOptions& options);

// The error category of libusb's error codes (LIBUSB_ERROR_*), as UsbLink reports them.
[[nodiscard]] const boost::system::error_category& usb_category();
[[nodiscard]] boost::system::error_code make_usb_error(int libusb_error);
// A transfer's final status (LIBUSB_TRANSFER_*) as an error: cancelled is operation_aborted,
// timed out LIBUSB_ERROR_TIMEOUT, no device LIBUSB_ERROR_NO_DEVICE, stall LIBUSB_ERROR_PIPE,
// overflow LIBUSB_ERROR_OVERFLOW, other failures LIBUSB_ERROR_IO; completed is no error.
[[nodiscard]] boost::system::error_code transfer_status_error(int status);

// Faults: a device gone (LIBUSB_ERROR_NO_DEVICE) is disconnected, a timed-out transfer timeout,
// any other failure io_error. Opening fails with open_failed and a detail naming the device
// and the reason (not connected, permission denied, interface in use, no such endpoint).
class UsbLink final : public Link {
public:
    UsbLink(boost::asio::io_context& io, UsbOptions options);
    ~UsbLink() override;

    [[nodiscard]] const UsbOptions& options() const { return options_; }

private:
    void do_open(OpenHandler done) override;
    void do_read_some(std::span<std::uint8_t> into, IoHandler done) override;
    void do_write(std::span<const std::uint8_t> bytes, IoHandler done) override;
    void do_close() override;
    [[nodiscard]] std::string do_describe() const override;
    [[nodiscard]] std::string_view do_fault_for(
        const boost::system::error_code& error) const override;

    void open_now(OpenHandler done);
    // Finds, opens and claims the device.
    std::expected<std::shared_ptr<UsbSession>, std::string> open_device();
    void post_error(IoHandler done, boost::system::error_code error);

    boost::asio::io_context& io_;
    UsbOptions options_;
    std::shared_ptr<UsbContext> context_;
    std::shared_ptr<UsbSession> session_;
    std::weak_ptr<UsbSession> retiring_;      // the last closed device, until libusb released it
    std::string opened_port_;                 // where the open device is plugged in
    std::uint64_t attempt_ = 0;               // an open waiting for a release is dropped on close
    OpenHandler waiting_open_;                // an open waiting for the last device's release
    boost::asio::steady_timer release_wait_;  // bounds that wait
    std::shared_ptr<char> alive_ = std::make_shared<char>();
};

}  // namespace hk::drivers::transport
