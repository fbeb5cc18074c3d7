// evdev link and input event decoding: see evdev_link.hpp and docs/transports.md.
#include "drivers/transport/evdev_link.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

namespace hk::drivers::transport {
namespace {

// Boost 1.74's error_category has a protected non-virtual destructor (categories are never
// deleted through a base pointer); -Wnon-virtual-dtor cannot tell.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnon-virtual-dtor"
class EvdevErrorCategory final : public boost::system::error_category {
public:
    [[nodiscard]] const char* name() const noexcept override { return "evdev"; }
    [[nodiscard]] std::string message(int /*value*/) const override {
        return "evdev links are input-only: writes are refused";
    }
};
#pragma GCC diagnostic pop

InputEvent decode_record(const std::uint8_t* record) {
    ::input_event raw{};
    std::memcpy(&raw, record, sizeof raw);
    return InputEvent{.sec = static_cast<std::int64_t>(raw.input_event_sec),
                      .usec = static_cast<std::int64_t>(raw.input_event_usec),
                      .type = raw.type,
                      .code = raw.code,
                      .value = raw.value};
}

// Why EVIOCGRAB failed, for a technician.
std::string grab_failure(int error) {
    switch (error) {
        case EBUSY:
            return "exclusive grab refused: another program holds the device (EBUSY)";
        case ENOTTY:
        case EINVAL:
            return std::string("exclusive grab failed: not an evdev input node (") +
                   (error == ENOTTY ? "ENOTTY" : "EINVAL") + ")";
        default:
            return std::string("exclusive grab failed: ") + std::strerror(error);
    }
}

}  // namespace

// ---- Decoding ------------------------------------------------------------------------------

std::vector<InputEvent> InputEventDecoder::feed(std::span<const std::uint8_t> bytes) {
    std::vector<InputEvent> events;
    if (!partial_.empty()) {
        const auto missing = kInputEventSize - partial_.size();
        const auto taken = std::min(missing, bytes.size());
        partial_.insert(partial_.end(), bytes.begin(),
                        bytes.begin() + static_cast<std::ptrdiff_t>(taken));
        bytes = bytes.subspan(taken);
        if (partial_.size() < kInputEventSize) {
            return events;
        }
        events.push_back(decode_record(partial_.data()));
        partial_.clear();
    }
    events.reserve(events.size() + bytes.size() / kInputEventSize);
    while (bytes.size() >= kInputEventSize) {
        events.push_back(decode_record(bytes.data()));
        bytes = bytes.subspan(kInputEventSize);
    }
    partial_.assign(bytes.begin(), bytes.end());
    return events;
}

Bytes encode_input_event(const InputEvent& event) {
    ::input_event raw{};
    raw.input_event_sec = static_cast<decltype(raw.input_event_sec)>(event.sec);
    raw.input_event_usec = static_cast<decltype(raw.input_event_usec)>(event.usec);
    raw.type = event.type;
    raw.code = event.code;
    raw.value = event.value;
    Bytes bytes(kInputEventSize);
    std::memcpy(bytes.data(), &raw, sizeof raw);
    return bytes;
}

boost::system::error_code evdev_write_refused() {
    static const EvdevErrorCategory category;
    return {1, category};
}

// ---- The link ------------------------------------------------------------------------------

EvdevLink::EvdevLink(boost::asio::io_context& io, EvdevOptions options)
    : io_(io), options_(std::move(options)), stream_(io) {}

EvdevLink::~EvdevLink() {
    do_close();
}

std::string EvdevLink::do_describe() const {
    return "evdev " + options_.path + (options_.grab ? " (grabbed)" : " (shared)");
}

std::string_view EvdevLink::do_fault_for(const boost::system::error_code& error) const {
    // An unplugged input device fails reads with ENODEV.
    if (error.category() == boost::system::system_category() && error.value() == ENODEV) {
        return fault::kDisconnected;
    }
    return Link::do_fault_for(error);
}

std::expected<int, std::string> EvdevLink::open_node() const {
    if (options_.path.empty()) {
        return std::unexpected("the device path is empty");
    }
    const int fd = ::open(options_.path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        return std::unexpected(std::strerror(errno));
    }
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-vararg): ioctl is variadic by definition
    if (options_.grab && ::ioctl(fd, EVIOCGRAB, 1) != 0) {
        const int error = errno;
        ::close(fd);
        return std::unexpected(grab_failure(error));
    }
    return fd;
}

void EvdevLink::do_open(OpenHandler done) {
    do_close();
    std::expected<void, LinkError> result;
    if (auto fd = open_node(); !fd) {
        result = std::unexpected(
            LinkError{std::string(fault::kOpenFailed), options_.path + ": " + fd.error()});
    } else {
        boost::system::error_code error;
        (void)stream_.assign(*fd, error);
        if (error) {
            ::close(*fd);
            result = std::unexpected(
                LinkError{std::string(fault::kOpenFailed), options_.path + ": " + error.message()});
        } else {
            grabbed_ = options_.grab;
        }
    }
    boost::asio::post(io_, [done = std::move(done), result = std::move(result)]() mutable {
        done(std::move(result));
    });
}

void EvdevLink::do_read_some(std::span<std::uint8_t> into, IoHandler done) {
    if (into.size() < kInputEventSize) {
        // evdev hands out whole records only; a smaller buffer fails with EINVAL anyway.
        boost::asio::post(
            io_, [done = std::move(done)] { done(boost::asio::error::invalid_argument, 0); });
        return;
    }
    stream_.async_read_some(boost::asio::buffer(into.data(), into.size()), std::move(done));
}

void EvdevLink::do_write(std::span<const std::uint8_t> /*bytes*/, IoHandler done) {
    boost::asio::post(io_, [done = std::move(done)] { done(evdev_write_refused(), 0); });
}

void EvdevLink::do_close() {
    if (!stream_.is_open()) {
        return;
    }
    if (grabbed_) {
        // Closing releases the grab too; releasing first makes it explicit and immediate even
        // if another descriptor of this open file lives on.
        // NOLINTNEXTLINE(cppcoreguidelines-pro-type-vararg): ioctl is variadic by definition
        (void)::ioctl(stream_.native_handle(), EVIOCGRAB, 0);
        grabbed_ = false;
    }
    boost::system::error_code ignored;
    (void)stream_.close(ignored);
}

}  // namespace hk::drivers::transport
