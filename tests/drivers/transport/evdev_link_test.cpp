// evdev link: the record decoder, then the link on FIFOs standing in for event nodes (records
// reach the data handler, a grab on a non-evdev node fails, the writer going away is a
// disconnect, writes are refused), and, where /dev/uinput is writable, a virtual keyboard that
// proves the exclusive grab for real.
#include "drivers/transport/evdev_link.hpp"

#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/error.hpp>
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <fcntl.h>
#include <linux/uinput.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "drivers/transport/trace.hpp"
#include "tests/drivers/transport/pty_device.hpp"
#include "tests/support/temp_dir.hpp"

using namespace hk::drivers;
using namespace hk::drivers::transport;
using hk::test::HealthLog;
using hk::test::run_until;
using std::chrono::milliseconds;

namespace {

// A scanner's keystrokes for "69" and Enter: a key press and release per character, each
// followed by a report, the way a keyboard-wedge scanner types them.
std::vector<InputEvent> scan_69() {
    std::vector<InputEvent> events;
    std::int64_t usec = 100;
    for (const std::uint16_t key : {KEY_6, KEY_9, KEY_ENTER}) {
        for (const std::int32_t value : {1, 0}) {
            events.push_back(
                {.sec = 1700000000, .usec = usec, .type = EV_KEY, .code = key, .value = value});
            events.push_back(
                {.sec = 1700000000, .usec = usec, .type = EV_SYN, .code = SYN_REPORT, .value = 0});
            usec += 1000;
        }
    }
    return events;
}

Bytes encode_all(const std::vector<InputEvent>& events) {
    Bytes bytes;
    for (const auto& event : events) {
        const auto record = encode_input_event(event);
        bytes.insert(bytes.end(), record.begin(), record.end());
    }
    return bytes;
}

// A FIFO standing in for an event node. The test holds it open read-write, so the link's
// read-only open never sees "no writer" until close_writer().
class Fifo {
public:
    explicit Fifo(std::filesystem::path path) : path_(std::move(path)) {
        REQUIRE(::mkfifo(path_.c_str(), 0600) == 0);
        writer_ = ::open(path_.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
        REQUIRE(writer_ >= 0);
    }
    Fifo(const Fifo&) = delete;
    Fifo& operator=(const Fifo&) = delete;
    ~Fifo() { close_writer(); }

    void write(std::span<const std::uint8_t> bytes) const {
        REQUIRE(::write(writer_, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()));
    }
    void close_writer() {
        if (writer_ >= 0) {
            ::close(writer_);
            writer_ = -1;
        }
    }
    [[nodiscard]] std::string path() const { return path_.string(); }

private:
    std::filesystem::path path_;
    int writer_ = -1;
};

struct Rig {
    hk::test::TempDir dir{"hk-evdev"};
    boost::asio::io_context io;
    HealthLog log;
    HealthTracker tracker{log.listener()};

    std::shared_ptr<Transport> make(EvdevOptions options) {
        return Transport::create(io, std::make_unique<EvdevLink>(io, std::move(options)), {},
                                 &tracker);
    }
    [[nodiscard]] DeviceState state() const { return tracker.health().state; }
    [[nodiscard]] const std::string& fault() const { return tracker.health().fault; }
    [[nodiscard]] const std::string& detail() const { return tracker.health().detail; }
};

}  // namespace

// ---- Decoding ------------------------------------------------------------------------------

TEST_CASE("an input event record is the kernel's struct: 24 bytes on 64-bit, 16 on 32-bit") {
    CHECK(kInputEventSize == 2 * sizeof(long) + 8);
}

TEST_CASE("input event records decode to their fields and encode back to the same bytes") {
    const auto events = scan_69();
    const auto bytes = encode_all(events);
    REQUIRE(bytes.size() == events.size() * kInputEventSize);
    InputEventDecoder decoder;
    CHECK(decoder.feed(bytes) == events);
    CHECK(decoder.pending() == 0);

    const InputEvent negative{
        .sec = 5, .usec = 999999, .type = EV_REL, .code = REL_X, .value = -42};
    CHECK(decoder.feed(encode_input_event(negative)) == std::vector<InputEvent>{negative});
}

TEST_CASE("a record split across reads is kept until the rest arrives") {
    const auto events = scan_69();
    const auto bytes = encode_all(events);
    // Every split point, including inside the first and the last record.
    for (std::size_t split = 0; split <= bytes.size(); ++split) {
        InputEventDecoder decoder;
        auto decoded = decoder.feed(std::span<const std::uint8_t>(bytes).first(split));
        CHECK(decoded.size() == split / kInputEventSize);
        CHECK(decoder.pending() == split % kInputEventSize);
        const auto rest = decoder.feed(std::span<const std::uint8_t>(bytes).subspan(split));
        decoded.insert(decoded.end(), rest.begin(), rest.end());
        CHECK(decoded == events);
        CHECK(decoder.pending() == 0);
    }
}

TEST_CASE("a record fed a byte at a time comes out once complete") {
    const auto record =
        encode_input_event({.sec = 1, .usec = 2, .type = EV_KEY, .code = KEY_A, .value = 1});
    InputEventDecoder decoder;
    for (std::size_t i = 0; i + 1 < record.size(); ++i) {
        CHECK(decoder.feed(std::span<const std::uint8_t>(&record[i], 1)).empty());
    }
    const auto last = decoder.feed(std::span<const std::uint8_t>(&record.back(), 1));
    REQUIRE(last.size() == 1);
    CHECK(last.front().code == KEY_A);
    CHECK(decoder.feed(std::span<const std::uint8_t>(record).first(3)).empty());
    decoder.reset();
    CHECK(decoder.pending() == 0);
}

// ---- The link on FIFOs ---------------------------------------------------------------------

TEST_CASE("records written to an ungrabbed event node reach the data handler and decode") {
    Rig rig;
    Fifo node(rig.dir / "event-kbd");
    auto transport = rig.make({.path = node.path(), .grab = false});
    InputEventDecoder decoder;
    std::vector<InputEvent> received;
    std::size_t bytes_seen = 0;
    transport->start({.on_data = [&](std::span<const std::uint8_t> bytes) {
        bytes_seen += bytes.size();
        const auto events = decoder.feed(bytes);
        received.insert(received.end(), events.begin(), events.end());
    }});
    REQUIRE(run_until(rig.io, [&] { return rig.state() == DeviceState::online; }));
    CHECK(rig.detail() == "evdev " + node.path() + " (shared)");

    const auto events = scan_69();
    const auto bytes = encode_all(events);
    // The first record arrives in two pieces: the decoder keeps the first until the second.
    const std::size_t split = kInputEventSize / 2;
    node.write(std::span<const std::uint8_t>(bytes).first(split));
    REQUIRE(run_until(rig.io, [&] { return bytes_seen == split; }));
    CHECK(received.empty());
    CHECK(decoder.pending() == split);
    node.write(std::span<const std::uint8_t>(bytes).subspan(split));
    REQUIRE(run_until(rig.io, [&] { return received.size() == events.size(); }));
    CHECK(received == events);
    CHECK(rig.tracker.counters() == DeviceCounters{});
}

TEST_CASE("grabbing a node that is no evdev device fails to open and says the grab failed") {
    Rig rig;
    Fifo node(rig.dir / "event-kbd");
    auto transport = rig.make({.path = node.path()});  // grab is the default
    transport->start({});
    REQUIRE(run_until(rig.io, [&] { return rig.state() == DeviceState::offline; }));
    CHECK(rig.fault() == fault::kOpenFailed);
    CHECK(rig.detail().find(node.path()) != std::string::npos);
    CHECK(rig.detail().find("exclusive grab failed: not an evdev input node (ENOTTY)") !=
          std::string::npos);
}

TEST_CASE("a missing event node fails to open with the reason") {
    Rig rig;
    auto transport = rig.make({.path = (rig.dir / "event-gone").string()});
    transport->start({});
    REQUIRE(run_until(rig.io, [&] { return rig.state() == DeviceState::offline; }));
    CHECK(rig.fault() == fault::kOpenFailed);
    CHECK(rig.detail().find("No such file") != std::string::npos);
}

TEST_CASE("the writer of an event node going away takes the link down as disconnected") {
    Rig rig;
    Fifo node(rig.dir / "event-kbd");
    auto transport = rig.make({.path = node.path(), .grab = false});
    std::vector<std::string> downs;
    std::size_t bytes_seen = 0;
    transport->start(
        {.on_data = [&](std::span<const std::uint8_t> bytes) { bytes_seen += bytes.size(); },
         .on_down = [&](std::string_view fault_code,
                        std::string_view) { downs.emplace_back(fault_code); }});
    REQUIRE(run_until(rig.io, [&] { return transport->is_up(); }));
    const auto record = encode_input_event({.type = EV_KEY, .code = KEY_1, .value = 1});
    node.write(record);
    REQUIRE(run_until(rig.io, [&] { return bytes_seen == record.size(); }));

    node.close_writer();
    REQUIRE(run_until(rig.io, [&] { return !downs.empty(); }));
    CHECK(downs.front() == fault::kDisconnected);
    CHECK(rig.state() == DeviceState::offline);
    CHECK(rig.fault() == fault::kDisconnected);
    CHECK(rig.tracker.counters().io_errors == 0);
    transport->stop();
}

TEST_CASE("scans through a recording evdev link land in the trace as input") {
    Rig rig;
    Fifo node(rig.dir / "event-kbd");
    const auto trace_path = (rig.dir / "scanner.trace").string();
    auto writer = TraceWriter::open(trace_path);
    REQUIRE(writer);
    auto transport = Transport::create(
        rig.io,
        std::make_unique<RecordingLink>(
            std::make_unique<EvdevLink>(rig.io, EvdevOptions{.path = node.path(), .grab = false}),
            std::shared_ptr<TraceWriter>(std::move(*writer))),
        {}, &rig.tracker);
    std::size_t bytes_seen = 0;
    transport->start(
        {.on_data = [&](std::span<const std::uint8_t> bytes) { bytes_seen += bytes.size(); }});
    REQUIRE(run_until(rig.io, [&] { return transport->is_up(); }));
    const auto bytes = encode_all(scan_69());
    node.write(bytes);
    REQUIRE(run_until(rig.io, [&] { return bytes_seen == bytes.size(); }));
    transport->stop();

    const auto records = load_trace(trace_path);
    REQUIRE(records);
    Bytes recorded;
    for (const auto& record : *records) {
        CHECK(record.dir == Direction::in);
        recorded.insert(recorded.end(), record.bytes.begin(), record.bytes.end());
    }
    CHECK(recorded == bytes);
}

TEST_CASE("writes to an evdev link are refused with an error that says why") {
    hk::test::TempDir dir{"hk-evdev"};
    boost::asio::io_context io;
    Fifo node(dir / "event-kbd");
    EvdevLink link(io, {.path = node.path(), .grab = false});
    std::optional<std::expected<void, LinkError>> opened;
    link.async_open([&](std::expected<void, LinkError> result) { opened = std::move(result); });
    REQUIRE(run_until(io, [&] { return opened.has_value(); }));
    REQUIRE(opened->has_value());

    std::optional<boost::system::error_code> written;
    const Bytes bytes{1, 2, 3};
    link.async_write(bytes, [&](const boost::system::error_code& error, std::size_t size) {
        written = error;
        CHECK(size == 0);
    });
    CHECK_FALSE(written.has_value());  // completes on the loop, never inline
    REQUIRE(run_until(io, [&] { return written.has_value(); }));
    CHECK(*written == evdev_write_refused());
    CHECK(written->message().find("input-only") != std::string::npos);
    link.close();
}

TEST_CASE("an unplugged input device (ENODEV) is a disconnect, other read errors I/O errors") {
    boost::asio::io_context io;
    const EvdevLink link(io, {.path = "/dev/input/event0"});
    const auto system = [](int value) {
        return boost::system::error_code(value, boost::system::system_category());
    };
    CHECK(link.fault_for(system(ENODEV)) == fault::kDisconnected);
    CHECK(link.fault_for(boost::asio::error::eof) == fault::kDisconnected);
    CHECK(link.fault_for(system(EIO)) == fault::kIoError);
    CHECK(link.describe() == "evdev /dev/input/event0 (grabbed)");
}

// ---- A real input device (needs /dev/uinput) -----------------------------------------------

namespace {

// A virtual keyboard made through uinput, and the path of its event node.
class VirtualKeyboard {
public:
    VirtualKeyboard() {
        fd_ = ::open("/dev/uinput", O_WRONLY | O_NONBLOCK | O_CLOEXEC);
        REQUIRE(fd_ >= 0);
        // NOLINTBEGIN(cppcoreguidelines-pro-type-vararg): ioctl is variadic by definition
        REQUIRE(::ioctl(fd_, UI_SET_EVBIT, EV_KEY) == 0);
        for (const int key : {KEY_1, KEY_2, KEY_ENTER}) {
            REQUIRE(::ioctl(fd_, UI_SET_KEYBIT, key) == 0);
        }
        uinput_setup setup{};
        setup.id.bustype = BUS_USB;
        setup.id.vendor = 0x1209;  // pid.codes test vendor
        setup.id.product = 0x0001;
        std::strncpy(setup.name, "hallkeeper test scanner", UINPUT_MAX_NAME_SIZE - 1);
        REQUIRE(::ioctl(fd_, UI_DEV_SETUP, &setup) == 0);
        REQUIRE(::ioctl(fd_, UI_DEV_CREATE) == 0);
        std::array<char, 64> sysname{};
        REQUIRE(::ioctl(fd_, UI_GET_SYSNAME(sysname.size() - 1), sysname.data()) >= 0);
        // NOLINTEND(cppcoreguidelines-pro-type-vararg)
        const auto sys = std::filesystem::path("/sys/devices/virtual/input") / sysname.data();
        for (const auto& entry : std::filesystem::directory_iterator(sys)) {
            const auto name = entry.path().filename().string();
            if (name.starts_with("event")) {
                node_ = "/dev/input/" + name;
            }
        }
        REQUIRE_FALSE(node_.empty());
    }
    VirtualKeyboard(const VirtualKeyboard&) = delete;
    VirtualKeyboard& operator=(const VirtualKeyboard&) = delete;
    ~VirtualKeyboard() { unplug(); }

    // Destroys the device: its readers' reads fail with ENODEV, and the node goes away.
    void unplug() {
        if (fd_ < 0) {
            return;
        }
        // NOLINTNEXTLINE(cppcoreguidelines-pro-type-vararg): ioctl is variadic by definition
        (void)::ioctl(fd_, UI_DEV_DESTROY);
        ::close(fd_);
        fd_ = -1;
    }

    void press(std::uint16_t key) const {
        for (const std::int32_t value : {1, 0}) {
            emit({.type = EV_KEY, .code = key, .value = value});
            emit({.type = EV_SYN, .code = SYN_REPORT, .value = 0});
        }
    }
    [[nodiscard]] const std::string& node() const { return node_; }

private:
    void emit(const InputEvent& event) const {
        const auto record = encode_input_event(event);
        REQUIRE(::write(fd_, record.data(), record.size()) == static_cast<ssize_t>(record.size()));
    }

    int fd_ = -1;
    std::string node_;
};

// Key presses a plain (ungrabbing) reader of `fd` has seen so far.
std::vector<std::uint16_t> keys_read(int fd, InputEventDecoder& decoder) {
    std::vector<std::uint16_t> keys;
    std::array<std::uint8_t, 64 * sizeof(::input_event)> buffer{};
    while (true) {
        const auto size = ::read(fd, buffer.data(), buffer.size());
        if (size <= 0) {
            return keys;
        }
        for (const auto& event : decoder.feed(
                 std::span<const std::uint8_t>(buffer).first(static_cast<std::size_t>(size)))) {
            if (event.type == EV_KEY && event.value == 1) {
                keys.push_back(event.code);
            }
        }
    }
}

}  // namespace

TEST_CASE("an exclusive grab on a real input device keeps its keys from every other reader") {
    if (::access("/dev/uinput", W_OK) != 0) {
        WARN("skipped: /dev/uinput is not writable here (" << std::strerror(errno)
                                                           << "), so no virtual keyboard");
        return;
    }
    Rig rig;
    const VirtualKeyboard keyboard;
    // udev (or devtmpfs) makes the node shortly after the device appears.
    REQUIRE(run_until(rig.io, [&] { return ::access(keyboard.node().c_str(), R_OK) == 0; }));
    const int console = ::open(keyboard.node().c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    REQUIRE(console >= 0);
    InputEventDecoder console_decoder;

    auto scanner = rig.make({.path = keyboard.node()});
    InputEventDecoder decoder;
    std::vector<std::uint16_t> scanned;
    scanner->start({.on_data = [&](std::span<const std::uint8_t> bytes) {
        for (const auto& event : decoder.feed(bytes)) {
            if (event.type == EV_KEY && event.value == 1) {
                scanned.push_back(event.code);
            }
        }
    }});
    REQUIRE(run_until(rig.io, [&] { return rig.state() == DeviceState::online; }));

    // A second grab of the same device is refused while the first holds it.
    HealthTracker other_tracker;
    auto other = Transport::create(
        rig.io, std::make_unique<EvdevLink>(rig.io, EvdevOptions{.path = keyboard.node()}), {},
        &other_tracker);
    other->start({});
    REQUIRE(
        run_until(rig.io, [&] { return other_tracker.health().state == DeviceState::offline; }));
    CHECK(other_tracker.health().fault == fault::kOpenFailed);
    CHECK(other_tracker.health().detail.find("another program holds the device (EBUSY)") !=
          std::string::npos);
    other->stop();

    keyboard.press(KEY_1);
    keyboard.press(KEY_ENTER);
    REQUIRE(run_until(rig.io, [&] { return scanned.size() == 2; }));
    CHECK(scanned == std::vector<std::uint16_t>{KEY_1, KEY_ENTER});
    CHECK(keys_read(console, console_decoder).empty());  // the console saw nothing

    // Stopping releases the grab: the console sees keys again.
    scanner->stop();
    keyboard.press(KEY_2);
    std::vector<std::uint16_t> console_keys;
    REQUIRE(run_until(rig.io, [&] {
        const auto keys = keys_read(console, console_decoder);
        console_keys.insert(console_keys.end(), keys.begin(), keys.end());
        return !console_keys.empty();
    }));
    CHECK(console_keys == std::vector<std::uint16_t>{KEY_2});
    ::close(console);
}

TEST_CASE("a real input device unplugged under a grabbing link is a disconnect") {
    if (::access("/dev/uinput", W_OK) != 0) {
        WARN("skipped: /dev/uinput is not writable here (" << std::strerror(errno)
                                                           << "), so no virtual keyboard");
        return;
    }
    Rig rig;
    VirtualKeyboard keyboard;
    REQUIRE(run_until(rig.io, [&] { return ::access(keyboard.node().c_str(), R_OK) == 0; }));
    auto scanner = rig.make({.path = keyboard.node()});
    scanner->start({});
    REQUIRE(run_until(rig.io, [&] { return rig.state() == DeviceState::online; }));
    CHECK(rig.detail() == "evdev " + keyboard.node() + " (grabbed)");

    keyboard.unplug();
    REQUIRE(run_until(rig.io, [&] { return rig.state() == DeviceState::offline; }));
    CHECK(rig.fault() == fault::kDisconnected);
    CHECK(rig.tracker.counters().io_errors == 0);
    scanner->stop();
}
