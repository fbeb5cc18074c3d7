// Serial port link: see serial_transport.hpp and docs/transports.md.
#include "drivers/transport/serial_transport.hpp"

#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <utility>

#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <fcntl.h>
#include <libserialport.h>
#include <linux/serial.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

namespace hk::drivers::transport {
namespace {

constexpr std::array<std::pair<int, speed_t>, 15> kBaudRates = {{
    {1200, B1200},
    {2400, B2400},
    {4800, B4800},
    {9600, B9600},
    {19200, B19200},
    {38400, B38400},
    {57600, B57600},
    {115200, B115200},
    {230400, B230400},
    {460800, B460800},
    {500000, B500000},
    {576000, B576000},
    {921600, B921600},
    {1000000, B1000000},
    {2000000, B2000000},
}};

std::optional<speed_t> termios_speed(int baud) {
    for (const auto& [rate, speed] : kBaudRates) {
        if (rate == baud) {
            return speed;
        }
    }
    return std::nullopt;
}

std::string errno_text(int error) {
    return std::strerror(error);
}

std::string sp_error_text(sp_return result) {
    switch (result) {
        case SP_ERR_FAIL: {
            char* message = sp_last_error_message();
            std::string text = message != nullptr ? message : "failed";
            sp_free_error_message(message);
            return text;
        }
        case SP_ERR_ARG:
            return "invalid argument";
        case SP_ERR_MEM:
            return "out of memory";
        case SP_ERR_SUPP:
            return "not supported by this port";
        case SP_OK:
            break;
    }
    return "ok";
}

sp_parity sp_parity_of(Parity parity) {
    switch (parity) {
        case Parity::none:
            return SP_PARITY_NONE;
        case Parity::odd:
            return SP_PARITY_ODD;
        case Parity::even:
            return SP_PARITY_EVEN;
        case Parity::mark:
            return SP_PARITY_MARK;
        case Parity::space:
            return SP_PARITY_SPACE;
    }
    return SP_PARITY_NONE;
}

char parity_letter(Parity parity) {
    switch (parity) {
        case Parity::none:
            return 'N';
        case Parity::odd:
            return 'O';
        case Parity::even:
            return 'E';
        case Parity::mark:
            return 'M';
        case Parity::space:
            return 'S';
    }
    return '?';
}

}  // namespace

std::expected<void, std::string> validate(const SerialOptions& options) {
    if (options.path.empty()) {
        return std::unexpected("the port path is empty");
    }
    if (!termios_speed(options.baud)) {
        return std::unexpected("unsupported baud rate " + std::to_string(options.baud));
    }
    if (options.data_bits < 5 || options.data_bits > 8) {
        return std::unexpected("data bits must be 5 to 8, not " +
                               std::to_string(options.data_bits));
    }
    if (options.stop_bits != 1 && options.stop_bits != 2) {
        return std::unexpected("stop bits must be 1 or 2, not " +
                               std::to_string(options.stop_bits));
    }
    return {};
}

std::string describe_framing(const SerialOptions& options) {
    std::string text = std::to_string(options.baud) + " " + std::to_string(options.data_bits) +
                       parity_letter(options.parity) + std::to_string(options.stop_bits);
    if (options.flow_control == FlowControl::rts_cts) {
        text += " rts/cts";
    } else if (options.flow_control == FlowControl::xon_xoff) {
        text += " xon/xoff";
    }
    if (options.rs485) {
        text += " rs485";
    }
    return text;
}

SerialLink::SerialLink(boost::asio::io_context& io, SerialOptions options)
    : io_(io), options_(std::move(options)), stream_(io) {}

SerialLink::~SerialLink() {
    do_close();
}

std::string SerialLink::do_describe() const {
    return "serial " + options_.path + " " + describe_framing(options_);
}

std::string_view SerialLink::do_fault_for(const boost::system::error_code& error) const {
    // A tty whose other end is gone (USB adapter unplugged, pty master closed) is hung up:
    // reads fail with EIO (or ENODEV/ENXIO) or see end of file.
    if (error == boost::asio::error::eof ||
        (error.category() == boost::system::system_category() &&
         (error.value() == EIO || error.value() == ENODEV || error.value() == ENXIO))) {
        return fault::kDisconnected;
    }
    return Link::do_fault_for(error);
}

void SerialLink::do_open(OpenHandler done) {
    do_close();
    auto fd = open_port();
    std::expected<void, LinkError> result;
    if (!fd) {
        result = std::unexpected(
            LinkError{std::string(fault::kOpenFailed), options_.path + ": " + fd.error()});
    } else {
        boost::system::error_code error;
        (void)stream_.assign(*fd, error);
        if (error) {
            do_close();
            result = std::unexpected(
                LinkError{std::string(fault::kOpenFailed), options_.path + ": " + error.message()});
        }
    }
    boost::asio::post(io_, [done = std::move(done), result = std::move(result)]() mutable {
        done(std::move(result));
    });
}

std::expected<int, std::string> SerialLink::open_port() {
    if (auto valid = validate(options_); !valid) {
        return std::unexpected(valid.error());
    }
    std::error_code fs_error;
    // By-path and by-id names are symlinks; libserialport wants the device node itself.
    const auto device = std::filesystem::canonical(options_.path, fs_error);
    if (fs_error) {
        return std::unexpected(fs_error.message());
    }
    sp_port* probe = nullptr;
    // libserialport describes only ports with a sysfs entry (UARTs, USB adapters); ptys and
    // other virtual ttys are opened and configured with termios directly.
    if (sp_get_port_by_name(device.c_str(), &probe) == SP_OK) {
        port_ = probe;
        return open_with_libserialport(device.string());
    }
    return open_with_termios(device.string());
}

std::expected<int, std::string> SerialLink::open_with_libserialport(const std::string& device) {
    if (const auto result = sp_open(port_, SP_MODE_READ_WRITE); result != SP_OK) {
        auto text = sp_error_text(result);
        sp_free_port(port_);
        port_ = nullptr;
        return std::unexpected(text);
    }
    const auto fail = [this](std::string what, sp_return result) {
        auto text = std::move(what) + ": " + sp_error_text(result);
        (void)sp_close(port_);
        sp_free_port(port_);
        port_ = nullptr;
        return std::unexpected(std::move(text));
    };
    if (const auto r = sp_set_baudrate(port_, options_.baud); r != SP_OK) {
        return fail("baud rate", r);
    }
    if (const auto r = sp_set_bits(port_, options_.data_bits); r != SP_OK) {
        return fail("data bits", r);
    }
    if (const auto r = sp_set_parity(port_, sp_parity_of(options_.parity)); r != SP_OK) {
        return fail("parity", r);
    }
    if (const auto r = sp_set_stopbits(port_, options_.stop_bits); r != SP_OK) {
        return fail("stop bits", r);
    }
    const auto flow = options_.flow_control == FlowControl::rts_cts    ? SP_FLOWCONTROL_RTSCTS
                      : options_.flow_control == FlowControl::xon_xoff ? SP_FLOWCONTROL_XONXOFF
                                                                       : SP_FLOWCONTROL_NONE;
    if (const auto r = sp_set_flowcontrol(port_, flow); r != SP_OK) {
        return fail("flow control", r);
    }
    int fd = -1;
    if (const auto r = sp_get_port_handle(port_, &fd); r != SP_OK) {
        return fail("port handle", r);
    }
    if (auto rs485 = configure_rs485(fd); !rs485) {
        (void)sp_close(port_);
        sp_free_port(port_);
        port_ = nullptr;
        return std::unexpected(rs485.error());
    }
    (void)device;
    return fd;
}

std::expected<int, std::string> SerialLink::open_with_termios(const std::string& device) {
    const int fd = ::open(device.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        return std::unexpected(errno_text(errno));
    }
    const auto fail = [fd](const std::string& what) {
        const auto text = what + ": " + errno_text(errno);
        ::close(fd);
        return std::unexpected(text);
    };
    termios settings{};
    if (::tcgetattr(fd, &settings) != 0) {
        return fail("not a terminal");
    }
    ::cfmakeraw(&settings);
    const auto speed = termios_speed(options_.baud).value_or(B9600);  // validated before
    if (::cfsetispeed(&settings, speed) != 0 || ::cfsetospeed(&settings, speed) != 0) {
        return fail("baud rate");
    }
    settings.c_cflag &= ~static_cast<tcflag_t>(CSIZE | PARENB | PARODD | CMSPAR | CSTOPB | CRTSCTS);
    constexpr std::array<tcflag_t, 4> kSizes = {CS5, CS6, CS7, CS8};
    settings.c_cflag |= kSizes.at(static_cast<std::size_t>(options_.data_bits - 5));
    settings.c_cflag |= CLOCAL | CREAD;
    switch (options_.parity) {
        case Parity::none:
            break;
        case Parity::odd:
            settings.c_cflag |= PARENB | PARODD;
            break;
        case Parity::even:
            settings.c_cflag |= PARENB;
            break;
        case Parity::mark:
            settings.c_cflag |= PARENB | CMSPAR | PARODD;
            break;
        case Parity::space:
            settings.c_cflag |= PARENB | CMSPAR;
            break;
    }
    if (options_.stop_bits == 2) {
        settings.c_cflag |= CSTOPB;
    }
    if (options_.flow_control == FlowControl::rts_cts) {
        settings.c_cflag |= CRTSCTS;
    } else if (options_.flow_control == FlowControl::xon_xoff) {
        settings.c_iflag |= IXON | IXOFF;
    }
    settings.c_cc[VMIN] = 1;
    settings.c_cc[VTIME] = 0;
    if (::tcsetattr(fd, TCSANOW, &settings) != 0) {
        return fail("configure");
    }
    if (auto rs485 = configure_rs485(fd); !rs485) {
        ::close(fd);
        return std::unexpected(rs485.error());
    }
    return fd;
}

std::expected<void, std::string> SerialLink::configure_rs485(int fd) const {
    const auto& wanted = options_.rs485;
    if (!wanted.has_value()) {
        return {};
    }
    serial_rs485 rs485{};
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-vararg): ioctl is variadic by definition
    if (::ioctl(fd, TIOCGRS485, &rs485) != 0) {
        return std::unexpected("RS-485 direction control is not supported by this port (" +
                               errno_text(errno) + ")");
    }
    rs485.flags |= SER_RS485_ENABLED;
    if (wanted->rts_on_send) {
        rs485.flags |= SER_RS485_RTS_ON_SEND;
        rs485.flags &= ~static_cast<std::uint32_t>(SER_RS485_RTS_AFTER_SEND);
    } else {
        rs485.flags &= ~static_cast<std::uint32_t>(SER_RS485_RTS_ON_SEND);
        rs485.flags |= SER_RS485_RTS_AFTER_SEND;
    }
    rs485.delay_rts_before_send = static_cast<std::uint32_t>(wanted->delay_before_send.count());
    rs485.delay_rts_after_send = static_cast<std::uint32_t>(wanted->delay_after_send.count());
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-vararg): ioctl is variadic by definition
    if (::ioctl(fd, TIOCSRS485, &rs485) != 0) {
        return std::unexpected("RS-485 direction control is not supported by this port (" +
                               errno_text(errno) + ")");
    }
    return {};
}

void SerialLink::do_read_some(std::span<std::uint8_t> into, IoHandler done) {
    stream_.async_read_some(boost::asio::buffer(into.data(), into.size()), std::move(done));
}

void SerialLink::do_write(std::span<const std::uint8_t> bytes, IoHandler done) {
    boost::asio::async_write(stream_, boost::asio::buffer(bytes.data(), bytes.size()),
                             std::move(done));
}

void SerialLink::do_close() {
    if (!stream_.is_open()) {
        if (port_ != nullptr) {
            (void)sp_close(port_);
            sp_free_port(port_);
            port_ = nullptr;
        }
        return;
    }
    boost::system::error_code ignored;
    if (port_ != nullptr) {
        // libserialport owns the descriptor: cancel our operations, then let it close.
        (void)stream_.cancel(ignored);
        (void)stream_.release();
        (void)sp_close(port_);
        sp_free_port(port_);
        port_ = nullptr;
    } else {
        (void)stream_.close(ignored);
    }
}

}  // namespace hk::drivers::transport
