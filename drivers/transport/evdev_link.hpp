// An input event device (evdev, /dev/input/eventN) as a transport link, for keyboard-wedge
// barcode scanners: opened read-only and, by default, grabbed exclusively (EVIOCGRAB), so scans
// never type into the kiosk browser or the console. The link delivers the kernel's raw
// `struct input_event` records as bytes; InputEventDecoder turns them into events. Writes are
// refused: evdev is input-only here. See docs/transports.md, "evdev".
#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <linux/input.h>

#include "drivers/transport/transport.hpp"

namespace hk::drivers::transport {

struct EvdevOptions {
    std::string path;  // "/dev/input/by-path/…-event-kbd" or "/dev/input/eventN"
    bool grab = true;  // exclusive: no other reader (console, X, the browser) sees the events
};

// One input event as the kernel reports it.
struct InputEvent {
    std::int64_t sec = 0;
    std::int64_t usec = 0;
    std::uint16_t type = 0;  // EV_KEY, EV_SYN, EV_MSC, …
    std::uint16_t code = 0;  // KEY_A, SYN_REPORT, …
    std::int32_t value = 0;  // for keys: 1 press, 0 release, 2 autorepeat
    friend bool operator==(const InputEvent&, const InputEvent&) = default;
};

// The size of one record on this platform: 24 bytes on 64-bit, 16 on 32-bit ARM.
inline constexpr std::size_t kInputEventSize = sizeof(::input_event);

// Turns the bytes of an evdev stream into events. A record split across two reads is kept
// until the rest arrives.
class InputEventDecoder {
public:
    // The whole records in what was kept from the last call followed by `bytes`.
    [[nodiscard]] std::vector<InputEvent> feed(std::span<const std::uint8_t> bytes);
    // Bytes of an incomplete record kept for the next call.
    [[nodiscard]] std::size_t pending() const { return partial_.size(); }
    void reset() { partial_.clear(); }

private:
    Bytes partial_;
};

// One record as the kernel writes it (for tests, and for replaying captured input).
[[nodiscard]] Bytes encode_input_event(const InputEvent& event);

// Faults: a device unplugged (ENODEV) or a pipe's writer gone (end of file) is disconnected;
// other read errors io_error. A write fails with `evdev_write_refused()`. Opening fails with
// open_failed: a missing node, no permission, or a grab refused (EBUSY: another program holds
// it; ENOTTY/EINVAL: not an evdev node), the detail saying which.
class EvdevLink final : public Link {
public:
    EvdevLink(boost::asio::io_context& io, EvdevOptions options);
    ~EvdevLink() override;

    [[nodiscard]] const EvdevOptions& options() const { return options_; }

private:
    void do_open(OpenHandler done) override;
    void do_read_some(std::span<std::uint8_t> into, IoHandler done) override;
    void do_write(std::span<const std::uint8_t> bytes, IoHandler done) override;
    void do_close() override;
    [[nodiscard]] std::string do_describe() const override;
    [[nodiscard]] std::string_view do_fault_for(
        const boost::system::error_code& error) const override;

    // Opens and (if asked) grabs the node; returns its descriptor.
    [[nodiscard]] std::expected<int, std::string> open_node() const;

    boost::asio::io_context& io_;
    EvdevOptions options_;
    boost::asio::posix::stream_descriptor stream_;
    bool grabbed_ = false;
};

// The error a write to an EvdevLink completes with ("evdev links are input-only: …").
[[nodiscard]] boost::system::error_code evdev_write_refused();

}  // namespace hk::drivers::transport
