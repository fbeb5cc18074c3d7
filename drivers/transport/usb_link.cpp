// USB link through libusb: see usb_link.hpp and docs/transports.md.
#include "drivers/transport/usb_link.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <climits>
#include <cstdio>
#include <functional>
#include <utility>
#include <vector>

#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>
#include <libusb.h>

#include "drivers/transport/usb_context.hpp"

namespace hk::drivers::transport {
namespace {

constexpr std::size_t kMaxReadSize = std::size_t{1} << 20;
constexpr int kMaxPortDepth = 7;  // USB allows at most 7 tiers below the root
constexpr std::string_view kRulesHint = "see packaging/udev/60-hallkeeper.rules";
// How long a reopen waits for the last device's cancelled transfers to be called back.
constexpr auto kReleaseWaitLimit = std::chrono::seconds(1);

// Boost 1.74's error_category has a protected non-virtual destructor (categories are never
// deleted through a base pointer); -Wnon-virtual-dtor cannot tell.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnon-virtual-dtor"
class UsbErrorCategory final : public boost::system::error_category {
public:
    [[nodiscard]] const char* name() const noexcept override { return "libusb"; }
    [[nodiscard]] std::string message(int value) const override { return libusb_strerror(value); }
};
#pragma GCC diagnostic pop

std::string hex4(std::uint16_t value) {
    std::array<char, 8> text{};
    (void)std::snprintf(text.data(), text.size(), "%04x", static_cast<unsigned>(value));
    return text.data();
}

std::string hex2(std::uint8_t value) {
    std::array<char, 8> text{};
    (void)std::snprintf(text.data(), text.size(), "0x%02x", static_cast<unsigned>(value));
    return text.data();
}

std::optional<std::uint16_t> parse_hex_id(std::string_view text) {
    if (text.empty() || text.size() > 4) {
        return std::nullopt;
    }
    std::uint16_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value, 16);
    if (error != std::errc() || end != text.data() + text.size()) {
        return std::nullopt;
    }
    return value;
}

// A decimal 1..255 (a bus or a hub port number).
bool is_port_number(std::string_view text) {
    unsigned value = 0;
    if (text.empty() || text.size() > 3) {
        return false;
    }
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    return error == std::errc() && end == text.data() + text.size() && value >= 1 && value <= 255;
}

// "1-1.2": a bus, a dash, then 1 to 7 port numbers separated by dots.
bool is_port_path(std::string_view text) {
    const auto dash = text.find('-');
    if (dash == std::string_view::npos || !is_port_number(text.substr(0, dash))) {
        return false;
    }
    auto rest = text.substr(dash + 1);
    int depth = 0;
    while (true) {
        const auto dot = rest.find('.');
        if (!is_port_number(rest.substr(0, dot)) || ++depth > kMaxPortDepth) {
            return false;
        }
        if (dot == std::string_view::npos) {
            return true;
        }
        rest = rest.substr(dot + 1);
    }
}

std::string port_path(libusb_device* device) {
    std::array<std::uint8_t, kMaxPortDepth> ports{};
    const int depth = libusb_get_port_numbers(device, ports.data(), static_cast<int>(ports.size()));
    std::string text = std::to_string(libusb_get_bus_number(device)) + "-";
    if (depth <= 0) {
        return text + "0";  // a root hub
    }
    for (int i = 0; i < depth; ++i) {
        if (i > 0) {
            text += '.';
        }
        text += std::to_string(ports.at(static_cast<std::size_t>(i)));
    }
    return text;
}

// Why libusb_open or libusb_claim_interface failed, for a technician.
std::string open_reason(int error) {
    switch (error) {
        case LIBUSB_ERROR_ACCESS:
            return "permission denied: " + std::string(kRulesHint);
        case LIBUSB_ERROR_NO_DEVICE:
            return "unplugged while opening";
        case LIBUSB_ERROR_BUSY:
            return "in use by another program";
        default:
            return libusb_strerror(error);
    }
}

std::string read_serial(libusb_device_handle* handle, std::uint8_t index) {
    if (index == 0) {
        return {};
    }
    std::array<unsigned char, 256> text{};
    const int length = libusb_get_string_descriptor_ascii(handle, index, text.data(),
                                                          static_cast<int>(text.size()));
    if (length <= 0) {
        return {};
    }
    return {text.begin(), text.begin() + length};
}

struct Endpoint {
    std::uint8_t address = 0;
    std::uint8_t type = LIBUSB_TRANSFER_TYPE_BULK;  // or LIBUSB_TRANSFER_TYPE_INTERRUPT
    std::uint16_t max_packet = 0;
};

// The endpoint of one direction: the configured address, else the first bulk one, else the
// first interrupt one. nullopt if the interface has none; an error if the configured one is
// missing or unusable.
std::expected<std::optional<Endpoint>, std::string> pick_endpoint(
    const libusb_interface_descriptor& interface, bool in, std::optional<std::uint8_t> wanted) {
    std::optional<Endpoint> bulk;
    std::optional<Endpoint> interrupt;
    for (int i = 0; i < interface.bNumEndpoints; ++i) {
        const auto& descriptor = interface.endpoint[i];
        const auto type = static_cast<std::uint8_t>(descriptor.bmAttributes & 0x03U);
        const bool is_in = (descriptor.bEndpointAddress & LIBUSB_ENDPOINT_IN) != 0;
        const Endpoint endpoint{
            .address = descriptor.bEndpointAddress,
            .type = type,
            .max_packet = static_cast<std::uint16_t>(descriptor.wMaxPacketSize & 0x7ffU)};
        if (wanted) {
            if (descriptor.bEndpointAddress != *wanted) {
                continue;
            }
            if (type != LIBUSB_TRANSFER_TYPE_BULK && type != LIBUSB_TRANSFER_TYPE_INTERRUPT) {
                return std::unexpected("endpoint " + hex2(*wanted) +
                                       " is neither bulk nor interrupt");
            }
            return endpoint;
        }
        if (is_in != in) {
            continue;
        }
        if (type == LIBUSB_TRANSFER_TYPE_BULK && !bulk) {
            bulk = endpoint;
        } else if (type == LIBUSB_TRANSFER_TYPE_INTERRUPT && !interrupt) {
            interrupt = endpoint;
        }
    }
    if (wanted) {
        return std::unexpected("interface " + std::to_string(interface.bInterfaceNumber) +
                               " has no endpoint " + hex2(*wanted));
    }
    return bulk ? bulk : interrupt;
}

}  // namespace

// ---- Selector, options, errors -------------------------------------------------------------

std::expected<UsbSelector, std::string> parse_usb_selector(std::string_view text) {
    const auto bad = [text] {
        return std::unexpected("expected VVVV:PPPP or usb:VVVV/PPPP[:PORT], got \"" +
                               std::string(text) + "\"");
    };
    std::string_view vendor;
    std::string_view product;
    std::string_view port;
    constexpr std::string_view kPrefix = "usb:";
    if (text.starts_with(kPrefix)) {
        const auto rest = text.substr(kPrefix.size());
        const auto slash = rest.find('/');
        if (slash == std::string_view::npos) {
            return bad();
        }
        vendor = rest.substr(0, slash);
        const auto after = rest.substr(slash + 1);
        const auto colon = after.find(':');
        product = after.substr(0, colon);
        if (colon != std::string_view::npos) {
            port = after.substr(colon + 1);
            if (port.empty()) {
                return bad();
            }
        }
    } else {
        const auto colon = text.find(':');
        if (colon == std::string_view::npos) {
            return bad();
        }
        vendor = text.substr(0, colon);
        product = text.substr(colon + 1);
    }
    const auto vendor_id = parse_hex_id(vendor);
    if (!vendor_id) {
        return std::unexpected("bad vendor id \"" + std::string(vendor) + "\" (1 to 4 hex digits)");
    }
    const auto product_id = parse_hex_id(product);
    if (!product_id) {
        return std::unexpected("bad product id \"" + std::string(product) +
                               "\" (1 to 4 hex digits)");
    }
    if (!port.empty() && !is_port_path(port)) {
        return std::unexpected("bad port \"" + std::string(port) +
                               "\" (bus-port[.port…], e.g. 1-1.2; an interface suffix such as "
                               ":1.0 does not belong in a device name)");
    }
    return UsbSelector{
        .vendor_id = *vendor_id, .product_id = *product_id, .port = std::string(port)};
}

std::string to_string(const UsbSelector& selector) {
    std::string text = hex4(selector.vendor_id) + ":" + hex4(selector.product_id);
    if (!selector.port.empty()) {
        text += " at " + selector.port;
    }
    if (!selector.serial.empty()) {
        text += " serial " + selector.serial;
    }
    return text;
}

std::expected<void, std::string> validate(const UsbOptions& options) {
    if (options.device.vendor_id == 0) {
        return std::unexpected("the vendor id is 0000 (set the device as VVVV:PPPP)");
    }
    if (!options.device.port.empty() && !is_port_path(options.device.port)) {
        return std::unexpected("bad port \"" + options.device.port + "\" (e.g. 1-1.2)");
    }
    if (options.in_endpoint &&
        ((*options.in_endpoint & LIBUSB_ENDPOINT_IN) == 0 || (*options.in_endpoint & 0x0f) == 0)) {
        return std::unexpected("in_endpoint " + hex2(*options.in_endpoint) +
                               " is not an IN endpoint address (0x81 to 0x8f)");
    }
    if (options.out_endpoint && ((*options.out_endpoint & LIBUSB_ENDPOINT_IN) != 0 ||
                                 (*options.out_endpoint & 0x0f) == 0)) {
        return std::unexpected("out_endpoint " + hex2(*options.out_endpoint) +
                               " is not an OUT endpoint address (0x01 to 0x0f)");
    }
    if (options.write_timeout.count() < 0 || options.write_timeout.count() > INT_MAX) {
        return std::unexpected("write_timeout must be 0 (none) to " + std::to_string(INT_MAX) +
                               " ms");
    }
    if (options.read_size == 0 || options.read_size > kMaxReadSize) {
        return std::unexpected("read_size must be 1 to " + std::to_string(kMaxReadSize) + " bytes");
    }
    return {};
}

const boost::system::error_category& usb_category() {
    static const UsbErrorCategory category;
    return category;
}

boost::system::error_code make_usb_error(int libusb_error) {
    return {libusb_error, usb_category()};
}

boost::system::error_code transfer_status_error(int status) {
    switch (status) {
        case LIBUSB_TRANSFER_COMPLETED:
            return {};
        case LIBUSB_TRANSFER_CANCELLED:
            return boost::asio::error::operation_aborted;
        case LIBUSB_TRANSFER_TIMED_OUT:
            return make_usb_error(LIBUSB_ERROR_TIMEOUT);
        case LIBUSB_TRANSFER_NO_DEVICE:
            return make_usb_error(LIBUSB_ERROR_NO_DEVICE);
        case LIBUSB_TRANSFER_STALL:
            return make_usb_error(LIBUSB_ERROR_PIPE);
        case LIBUSB_TRANSFER_OVERFLOW:
            return make_usb_error(LIBUSB_ERROR_OVERFLOW);
        default:
            return make_usb_error(LIBUSB_ERROR_IO);
    }
}

// ---- One opened device ---------------------------------------------------------------------

// A claimed interface and its two transfers. Transfers and buffers belong to the session, not
// to the caller: a caller's buffer is touched only when its handler is about to run, so a
// close never leaves libusb writing into memory the caller has freed. After shutdown() the
// session waits in the UsbContext for its cancelled transfers, then finalize() releases it.
class UsbSession final : public UsbRetiree, public std::enable_shared_from_this<UsbSession> {
public:
    UsbSession(UsbContext& context, libusb_device_handle* handle, std::uint8_t interface_number,
               std::optional<Endpoint> in, std::optional<Endpoint> out, std::size_t read_size)
        : context_(context),
          handle_(handle),
          interface_(interface_number),
          in_(in),
          out_(out),
          in_transfer_(libusb_alloc_transfer(0)),
          out_transfer_(libusb_alloc_transfer(0)) {
        if (in_) {
            const std::size_t packet = std::max<std::size_t>(in_->max_packet, 1);
            in_buffer_.resize((read_size + packet - 1) / packet * packet);
        }
    }
    UsbSession(const UsbSession&) = delete;
    UsbSession& operator=(const UsbSession&) = delete;
    ~UsbSession() override {
        if (handle_ != nullptr && settled()) {
            finalize();
        }
        // Not settled: the context gave up waiting at exit; the transfers stay libusb's.
    }

    [[nodiscard]] bool allocated() const {
        return in_transfer_ != nullptr && out_transfer_ != nullptr;
    }
    [[nodiscard]] bool finalized() const { return handle_ == nullptr; }

    void read_some(std::span<std::uint8_t> into, Link::IoHandler done) {
        if (read_done_) {
            post(std::move(done), boost::asio::error::in_progress, 0);
            return;
        }
        if (!received_.empty()) {
            post(std::move(done), {}, take_received(into));
            return;
        }
        read_into_ = into;
        read_done_ = std::move(done);
        if (!in_) {
            return;  // nothing to read from: completes (aborted) on close
        }
        if (const auto error = submit_in()) {
            post(std::exchange(read_done_, {}), error, 0);
            return;
        }
        context_.update_timeout();
    }

    void write(std::span<const std::uint8_t> bytes, unsigned timeout_ms, Link::IoHandler done) {
        if (write_done_) {
            post(std::move(done), boost::asio::error::in_progress, 0);
            return;
        }
        if (!out_) {
            post(std::move(done), boost::asio::error::operation_not_supported, 0);
            return;
        }
        if (bytes.empty()) {
            post(std::move(done), {}, 0);
            return;
        }
        out_buffer_.assign(bytes.begin(), bytes.end());
        written_ = 0;
        write_timeout_ms_ = timeout_ms;
        write_done_ = std::move(done);
        if (const auto error = submit_out()) {
            post(std::exchange(write_done_, {}), error, 0);
            return;
        }
        context_.update_timeout();
    }

    // Cancels the transfers in flight and completes the waiting handlers with
    // operation_aborted. The transfers' callbacks still come, through the loop.
    void shutdown() {
        if (!open_) {
            return;
        }
        open_ = false;
        if (in_busy_) {
            (void)libusb_cancel_transfer(in_transfer_);
        }
        if (out_busy_) {
            (void)libusb_cancel_transfer(out_transfer_);
        }
        if (read_done_) {
            post(std::exchange(read_done_, {}), boost::asio::error::operation_aborted, 0);
        }
        if (write_done_) {
            post(std::exchange(write_done_, {}), boost::asio::error::operation_aborted, 0);
        }
        received_.clear();
    }

    [[nodiscard]] bool settled() const override { return !in_busy_ && !out_busy_; }

    void finalize() override {
        if (handle_ == nullptr) {
            return;
        }
        // With automatic detach, releasing the interface reattaches the kernel driver.
        (void)libusb_release_interface(handle_, interface_);
        libusb_close(handle_);
        handle_ = nullptr;
        libusb_free_transfer(in_transfer_);
        libusb_free_transfer(out_transfer_);
        in_transfer_ = nullptr;
        out_transfer_ = nullptr;
        for (auto& then : std::exchange(on_finalized_, {})) {
            boost::asio::post(context_.io(), std::move(then));
        }
    }

    // Runs `then` on the loop once the device is released.
    void when_finalized(std::function<void()> then) {
        if (finalized()) {
            boost::asio::post(context_.io(), std::move(then));
            return;
        }
        on_finalized_.push_back(std::move(then));
    }

private:
    static void LIBUSB_CALL on_transfer(libusb_transfer* transfer) {
        auto* session = static_cast<UsbSession*>(transfer->user_data);
        if (transfer == session->in_transfer_) {
            session->in_done(*transfer);
        } else {
            session->out_done(*transfer);
        }
    }

    // In libusb's event handling: record, resubmit or post; never call the caller from here.
    void in_done(const libusb_transfer& transfer) {
        in_busy_ = false;
        if (!open_) {
            return;  // cancelled by close: the context finalizes us once settled
        }
        if (transfer.status == LIBUSB_TRANSFER_COMPLETED && transfer.actual_length == 0) {
            // A zero-length packet: no data, not an end of stream. Ask again.
            if (const auto error = submit_in()) {
                post_read_completion(error);
            }
            return;
        }
        if (transfer.status == LIBUSB_TRANSFER_COMPLETED) {
            received_.insert(received_.end(), in_buffer_.begin(),
                             in_buffer_.begin() + transfer.actual_length);
        }
        post_read_completion(transfer_status_error(transfer.status));
    }

    void out_done(const libusb_transfer& transfer) {
        out_busy_ = false;
        if (!open_) {
            return;
        }
        if (transfer.status == LIBUSB_TRANSFER_COMPLETED) {
            written_ += static_cast<std::size_t>(transfer.actual_length);
            if (written_ < out_buffer_.size() && transfer.actual_length > 0) {
                if (const auto error = submit_out()) {
                    post_write_completion(error);
                }
                return;
            }
            post_write_completion(written_ < out_buffer_.size() ? make_usb_error(LIBUSB_ERROR_IO)
                                                                : boost::system::error_code{});
            return;
        }
        post_write_completion(transfer_status_error(transfer.status));
    }

    boost::system::error_code submit_in() {
        if (!in_) {
            return make_usb_error(LIBUSB_ERROR_NOT_FOUND);
        }
        auto error =
            submit(in_transfer_, *in_, in_buffer_.data(), static_cast<int>(in_buffer_.size()), 0);
        in_busy_ = !error;
        return error;
    }

    boost::system::error_code submit_out() {
        if (!out_) {
            return make_usb_error(LIBUSB_ERROR_NOT_FOUND);
        }
        auto error = submit(out_transfer_, *out_, out_buffer_.data() + written_,
                            static_cast<int>(out_buffer_.size() - written_), write_timeout_ms_);
        out_busy_ = !error;
        return error;
    }

    boost::system::error_code submit(libusb_transfer* transfer, const Endpoint& endpoint,
                                     std::uint8_t* data, int length, unsigned timeout_ms) {
        if (endpoint.type == LIBUSB_TRANSFER_TYPE_INTERRUPT) {
            libusb_fill_interrupt_transfer(transfer, handle_, endpoint.address, data, length,
                                           &UsbSession::on_transfer, this, timeout_ms);
        } else {
            libusb_fill_bulk_transfer(transfer, handle_, endpoint.address, data, length,
                                      &UsbSession::on_transfer, this, timeout_ms);
        }
        if (const int result = libusb_submit_transfer(transfer); result != LIBUSB_SUCCESS) {
            return make_usb_error(result);
        }
        return {};
    }

    void post_read_completion(boost::system::error_code error) {
        boost::asio::post(context_.io(), [weak = weak_from_this(), error] {
            const auto self = weak.lock();
            if (!self || !self->open_ || !self->read_done_) {
                return;  // closed meanwhile: the handler already saw operation_aborted
            }
            auto done = std::exchange(self->read_done_, {});
            if (error) {
                done(error, 0);
                return;
            }
            const auto size = self->take_received(self->read_into_);
            done({}, size);
        });
    }

    void post_write_completion(boost::system::error_code error) {
        boost::asio::post(context_.io(), [weak = weak_from_this(), error] {
            const auto self = weak.lock();
            if (!self || !self->open_ || !self->write_done_) {
                return;
            }
            auto done = std::exchange(self->write_done_, {});
            done(error, error ? self->written_ : self->out_buffer_.size());
        });
    }

    std::size_t take_received(std::span<std::uint8_t> into) {
        const auto size = std::min(into.size(), received_.size());
        std::copy_n(received_.begin(), size, into.begin());
        received_.erase(received_.begin(), received_.begin() + static_cast<std::ptrdiff_t>(size));
        return size;
    }

    void post(Link::IoHandler done, boost::system::error_code error, std::size_t size) {
        boost::asio::post(context_.io(),
                          [done = std::move(done), error, size] { done(error, size); });
    }

    UsbContext& context_;
    libusb_device_handle* handle_;
    std::uint8_t interface_;
    std::optional<Endpoint> in_;
    std::optional<Endpoint> out_;
    libusb_transfer* in_transfer_;
    libusb_transfer* out_transfer_;
    bool in_busy_ = false;   // submitted, not yet called back
    bool out_busy_ = false;  // submitted, not yet called back
    bool open_ = true;

    Bytes in_buffer_;
    Bytes received_;  // read from the device, not yet handed to a reader
    std::span<std::uint8_t> read_into_;
    Link::IoHandler read_done_;

    Bytes out_buffer_;
    std::size_t written_ = 0;
    unsigned write_timeout_ms_ = 0;
    Link::IoHandler write_done_;

    std::vector<std::function<void()>> on_finalized_;
};

// ---- The link ------------------------------------------------------------------------------

UsbLink::UsbLink(boost::asio::io_context& io, UsbOptions options)
    : io_(io), options_(std::move(options)), release_wait_(io) {}

UsbLink::~UsbLink() {
    do_close();
}

std::string UsbLink::do_describe() const {
    auto selector = options_.device;
    if (selector.port.empty()) {
        selector.port = opened_port_;
    }
    return "usb " + to_string(selector) + " interface " + std::to_string(options_.interface_number);
}

std::string_view UsbLink::do_fault_for(const boost::system::error_code& error) const {
    if (error.category() == usb_category()) {
        switch (error.value()) {
            case LIBUSB_ERROR_NO_DEVICE:
                return fault::kDisconnected;
            case LIBUSB_ERROR_TIMEOUT:
                return fault::kTimeout;
            default:
                return fault::kIoError;
        }
    }
    return Link::do_fault_for(error);
}

void UsbLink::do_open(OpenHandler done) {
    do_close();
    const auto attempt = ++attempt_;
    // The last session may still hold the interface while libusb calls back its cancelled
    // transfers: claiming it again now would fail with "busy". Wait for its release, but not
    // forever: a transfer libusb never calls back must not stop the reconnecting.
    if (const auto previous = retiring_.lock(); previous && !previous->finalized()) {
        waiting_open_ = std::move(done);
        const auto proceed = [this, alive = std::weak_ptr<char>(alive_), attempt] {
            if (alive.expired() || attempt != attempt_ || !waiting_open_) {
                return;
            }
            release_wait_.cancel();
            open_now(std::exchange(waiting_open_, {}));
        };
        previous->when_finalized(proceed);
        release_wait_.expires_after(kReleaseWaitLimit);
        release_wait_.async_wait([proceed](const boost::system::error_code& error) {
            if (!error) {
                proceed();
            }
        });
        return;
    }
    open_now(std::move(done));
}

void UsbLink::open_now(OpenHandler done) {
    std::expected<void, LinkError> result;
    const auto fail = [this](const std::string& reason) {
        return std::unexpected(LinkError{std::string(fault::kOpenFailed),
                                         "usb " + to_string(options_.device) + ": " + reason});
    };
    if (auto valid = validate(options_); !valid) {
        result = fail(valid.error());
    } else if (!context_) {
        auto context = UsbContext::for_loop(io_);
        if (context) {
            context_ = std::move(*context);
        } else {
            result = fail(context.error());
        }
    }
    if (result) {
        auto session = open_device();
        if (session) {
            session_ = std::move(*session);
        } else {
            result = std::unexpected(LinkError{std::string(fault::kOpenFailed), session.error()});
        }
    }
    boost::asio::post(io_, [done = std::move(done), result = std::move(result)]() mutable {
        done(std::move(result));
    });
}

std::expected<std::shared_ptr<UsbSession>, std::string> UsbLink::open_device() {
    const auto& selector = options_.device;
    libusb_device** list = nullptr;
    const auto count = libusb_get_device_list(context_->native(), &list);
    if (count < 0) {
        return std::unexpected("usb " + to_string(selector) + ": cannot list USB devices: " +
                               libusb_strerror(static_cast<int>(count)));
    }
    const std::unique_ptr<libusb_device*, void (*)(libusb_device**)> owned_list(
        list, [](libusb_device** devices) { libusb_free_device_list(devices, 1); });

    std::string problem;  // why the last device that matched could not be used
    for (std::ptrdiff_t i = 0; i < count; ++i) {
        libusb_device* device = list[i];
        libusb_device_descriptor descriptor{};
        if (libusb_get_device_descriptor(device, &descriptor) != LIBUSB_SUCCESS ||
            descriptor.idVendor != selector.vendor_id ||
            descriptor.idProduct != selector.product_id) {
            continue;
        }
        const auto port = port_path(device);
        if (!selector.port.empty() && port != selector.port) {
            continue;
        }
        const auto where = "usb " + hex4(selector.vendor_id) + ":" + hex4(selector.product_id) +
                           " at " + port + ": ";
        libusb_device_handle* handle = nullptr;
        if (const int opened = libusb_open(device, &handle); opened != LIBUSB_SUCCESS) {
            problem = where + open_reason(opened);
            continue;
        }
        if (!selector.serial.empty()) {
            const auto serial = read_serial(handle, descriptor.iSerialNumber);
            if (serial != selector.serial) {
                libusb_close(handle);
                problem = where + "serial number " + (serial.empty() ? "unreadable" : serial) +
                          ", not " + selector.serial;
                continue;
            }
        }
        const auto fail = [&](const std::string& reason) {
            libusb_close(handle);
            problem = where + reason;
        };
        // Not supported where there are no kernel drivers: nothing to detach then.
        (void)libusb_set_auto_detach_kernel_driver(handle, 1);
        libusb_config_descriptor* config = nullptr;
        if (const int got = libusb_get_active_config_descriptor(device, &config);
            got != LIBUSB_SUCCESS) {
            fail(std::string("configuration descriptor: ") + libusb_strerror(got));
            continue;
        }
        const std::unique_ptr<libusb_config_descriptor, void (*)(libusb_config_descriptor*)>
            owned_config(config, libusb_free_config_descriptor);
        const libusb_interface_descriptor* interface = nullptr;
        for (int n = 0; n < config->bNumInterfaces; ++n) {
            const auto& candidate = config->interface[n];
            if (candidate.num_altsetting > 0 &&
                candidate.altsetting[0].bInterfaceNumber == options_.interface_number) {
                interface = &candidate.altsetting[0];
            }
        }
        if (interface == nullptr) {
            fail("no interface " + std::to_string(options_.interface_number));
            continue;
        }
        auto in = pick_endpoint(*interface, true, options_.in_endpoint);
        auto out = pick_endpoint(*interface, false, options_.out_endpoint);
        if (!in || !out) {
            fail(!in ? in.error() : out.error());
            continue;
        }
        if (!*in && !*out) {
            fail("interface " + std::to_string(options_.interface_number) +
                 " has no bulk or interrupt endpoints");
            continue;
        }
        if (const int claimed = libusb_claim_interface(handle, options_.interface_number);
            claimed != LIBUSB_SUCCESS) {
            fail("interface " + std::to_string(options_.interface_number) + ": " +
                 open_reason(claimed));
            continue;
        }
        auto session = std::make_shared<UsbSession>(*context_, handle, options_.interface_number,
                                                    *in, *out, options_.read_size);
        if (!session->allocated()) {
            session.reset();  // finalizes: releases the interface, closes the device
            problem = where + "out of memory for transfers";
            continue;
        }
        opened_port_ = port;
        return session;
    }
    if (!problem.empty()) {
        return std::unexpected(problem);
    }
    return std::unexpected("usb " + to_string(selector) + ": not connected");
}

void UsbLink::do_read_some(std::span<std::uint8_t> into, IoHandler done) {
    if (!session_) {
        post_error(std::move(done), boost::asio::error::bad_descriptor);
        return;
    }
    session_->read_some(into, std::move(done));
}

void UsbLink::do_write(std::span<const std::uint8_t> bytes, IoHandler done) {
    if (!session_) {
        post_error(std::move(done), boost::asio::error::bad_descriptor);
        return;
    }
    session_->write(bytes, static_cast<unsigned>(options_.write_timeout.count()), std::move(done));
}

void UsbLink::do_close() {
    ++attempt_;
    waiting_open_ = {};
    release_wait_.cancel();
    opened_port_.clear();
    if (!session_) {
        return;
    }
    auto session = std::exchange(session_, nullptr);
    session->shutdown();
    retiring_ = session;
    context_->retire(std::move(session));
}

void UsbLink::post_error(IoHandler done, boost::system::error_code error) {
    boost::asio::post(io_, [done = std::move(done), error] { done(error, 0); });
}

}  // namespace hk::drivers::transport
