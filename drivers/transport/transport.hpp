// The byte-stream link a driver talks through, kept open by the transport: opening, reading,
// writing, request/reply with a deadline, reconnection with backoff, and the device's health
// (docs/transports.md). A `Link` is one kind of connection (serial port, TCP, replayed trace);
// a `Transport` runs any link on the loop and is what drivers see.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/error_code.hpp>

#include "drivers/sdk/health.hpp"

namespace hk::drivers::transport {

class TraceWriter;  // trace.hpp

using Bytes = std::vector<std::uint8_t>;

// Bytes from text, for drivers speaking ASCII protocols and for tests.
[[nodiscard]] Bytes to_bytes(std::string_view text);

// Why a link could not be opened: a fault code (fault::kOpenFailed, …) and a detail for people.
struct LinkError {
    std::string fault;
    std::string detail;
};

// One kind of connection. Every operation completes through its handler on the loop, never
// inline; close() cancels what is outstanding (handlers then see operation_aborted).
class Link {
public:
    using OpenHandler = std::function<void(std::expected<void, LinkError>)>;
    using IoHandler = std::function<void(const boost::system::error_code&, std::size_t)>;

    Link() = default;
    Link(const Link&) = delete;
    Link& operator=(const Link&) = delete;
    virtual ~Link() = default;

    void async_open(OpenHandler done) { do_open(std::move(done)); }
    // Reads at least one byte into `into` (which must stay valid until the handler runs).
    void async_read_some(std::span<std::uint8_t> into, IoHandler done) {
        do_read_some(into, std::move(done));
    }
    // Writes all of `bytes` (which must stay valid until the handler runs).
    void async_write(std::span<const std::uint8_t> bytes, IoHandler done) {
        do_write(bytes, std::move(done));
    }
    void close() { do_close(); }
    // "serial /dev/ttyUSB0 9600 8N1", "tcp 10.0.0.5:9100": for health details and logs.
    [[nodiscard]] std::string describe() const { return do_describe(); }
    // The fault a failed read or write means: fault::kDisconnected for a hang-up, else
    // fault::kIoError.
    [[nodiscard]] std::string_view fault_for(const boost::system::error_code& error) const {
        return do_fault_for(error);
    }

private:
    virtual void do_open(OpenHandler done) = 0;
    virtual void do_read_some(std::span<std::uint8_t> into, IoHandler done) = 0;
    virtual void do_write(std::span<const std::uint8_t> bytes, IoHandler done) = 0;
    virtual void do_close() = 0;
    [[nodiscard]] virtual std::string do_describe() const = 0;

protected:
    // Default: end of file, reset and broken pipe are hang-ups; anything else an I/O error.
    [[nodiscard]] virtual std::string_view do_fault_for(
        const boost::system::error_code& error) const;
};

// ---- Reply framing -------------------------------------------------------------------------

// Where a complete reply sits in the bytes received since the request was sent: the reply is
// [begin, end); everything before `end` is consumed (bytes before `begin` are noise or an echo).
struct ReplyFrame {
    std::size_t begin = 0;
    std::size_t end = 0;
};
// Says whether the buffered bytes hold a complete reply yet (nullopt: wait for more).
using ReplyFramer = std::function<std::optional<ReplyFrame>(std::span<const std::uint8_t>)>;

struct ExtractedReply {
    Bytes reply;
    std::size_t consumed = 0;  // bytes to drop from the front of the buffer
};
enum class FramingError : std::uint8_t { bad_frame };  // the framer returned impossible bounds

// Runs `framer` over `buffered`: nullopt while incomplete, the reply once complete.
[[nodiscard]] std::expected<std::optional<ExtractedReply>, FramingError> extract_reply(
    std::span<const std::uint8_t> buffered, const ReplyFramer& framer);

namespace framers {
// A reply of exactly `length` bytes.
[[nodiscard]] ReplyFramer fixed_length(std::size_t length);
// A reply ending with `terminator` (included in the reply), e.g. '\n' or ETX.
[[nodiscard]] ReplyFramer until_byte(std::uint8_t terminator);
}  // namespace framers

// ---- Reconnection --------------------------------------------------------------------------

// The delays between reopen attempts: `first`, doubling each time, never above `cap`.
class Backoff {
public:
    Backoff(std::chrono::milliseconds first, std::chrono::milliseconds cap);
    // The delay before the next attempt; each call doubles the one after.
    [[nodiscard]] std::chrono::milliseconds next();
    // After a successful open: the next loss starts again from `first`.
    void reset() { current_ = first_; }

private:
    std::chrono::milliseconds first_;
    std::chrono::milliseconds cap_;
    std::chrono::milliseconds current_;
};

// ---- The transport -------------------------------------------------------------------------

struct TransportOptions {
    std::chrono::milliseconds request_timeout{1000};  // default deadline of request()
    unsigned offline_after_timeouts = 3;              // consecutive timeouts → offline, reopen
    std::chrono::milliseconds first_retry{100};       // backoff of reopen attempts
    std::chrono::milliseconds max_retry{1500};        // below 2 s: a replug is seen within 2 s
    std::size_t max_reply_bytes = std::size_t{64} * 1024;  // a reply buffer larger than this fails
};

enum class RequestError : std::uint8_t {
    timeout,        // no complete reply before the deadline
    disconnected,   // the link went down while waiting (or was down)
    cancelled,      // stop() was called (or request() before start())
    bad_frame,      // the framer returned impossible bounds
    reply_too_big,  // more than max_reply_bytes without a complete reply
};
[[nodiscard]] std::string_view to_string(RequestError error);

struct TransportHandlers {
    // Received bytes that are no reply to a request (unsolicited input, leftovers after a
    // reply, late bytes after a timeout).
    std::function<void(std::span<const std::uint8_t>)> on_data;
    std::function<void()> on_up;
    // The link went down with this fault; the transport is reconnecting.
    std::function<void(std::string_view fault, std::string_view detail)> on_down;
};

// Keeps one link open on the loop. Created shared so that completions can tell it is gone;
// destroying it closes the link and drops pending handlers uncalled. Call it on the loop only.
class Transport : public std::enable_shared_from_this<Transport> {
public:
    using RequestHandler = std::function<void(std::expected<Bytes, RequestError>)>;

    // Reports health to `tracker` if given (the driver's own), else to a tracker of its own.
    [[nodiscard]] static std::shared_ptr<Transport> create(boost::asio::io_context& io,
                                                           std::unique_ptr<Link> link,
                                                           TransportOptions options = {},
                                                           HealthTracker* tracker = nullptr);
    Transport(const Transport&) = delete;
    Transport& operator=(const Transport&) = delete;
    ~Transport();

    // Opens the link (health: probing) and keeps it open until stop().
    void start(TransportHandlers handlers);
    // Closes the link, fails outstanding requests with `cancelled`, stops reconnecting.
    void stop();
    // Reopens now instead of at the next backoff step (the hotplug monitor saw the device
    // come back). Does nothing while the link is up or the transport stopped.
    void retry_now();

    // Queues bytes for writing, in order. Returns false (dropping them) while the link is down.
    bool send(Bytes bytes);
    // Sends `bytes` and completes with the first complete reply `framer` finds, or an error
    // after `timeout` (default: options.request_timeout). Requests run one at a time, in order;
    // the deadline of each starts when it is sent.
    void request(Bytes bytes, ReplyFramer framer, RequestHandler done,
                 std::optional<std::chrono::milliseconds> timeout = std::nullopt);

    // Records every byte sent and received from now on into `writer` (trace.hpp), as
    // `hallctl devices trace` asks; nullptr stops recording. The link is not reopened.
    void set_trace(std::shared_ptr<TraceWriter> writer) { trace_ = std::move(writer); }
    [[nodiscard]] bool is_tracing() const { return trace_ != nullptr; }

    [[nodiscard]] bool is_up() const { return up_; }
    [[nodiscard]] HealthTracker& health() { return *health_; }
    [[nodiscard]] const HealthTracker& health() const { return *health_; }
    [[nodiscard]] const Link& link() const { return *link_; }

private:
    struct PendingRequest {
        Bytes bytes;
        ReplyFramer framer;
        RequestHandler done;
        std::chrono::milliseconds timeout{};
    };

    Transport(boost::asio::io_context& io, std::unique_ptr<Link> link, TransportOptions options,
              HealthTracker* tracker);

    void open();
    void on_opened(std::expected<void, LinkError> result);
    void read_loop();
    void on_read(const boost::system::error_code& error, std::span<const std::uint8_t> received);
    void write_next();
    void link_down(std::string_view fault, std::string_view detail);
    void schedule_reopen();
    void start_next_request();
    void feed_request(std::span<const std::uint8_t> bytes);
    void on_request_timeout();
    void finish_request(std::expected<Bytes, RequestError> result);
    void fail_all_requests(RequestError error);
    void deliver(std::span<const std::uint8_t> bytes) const;
    void set_health(DeviceState state, std::string_view fault, std::string_view detail);

    boost::asio::io_context& io_;
    std::unique_ptr<Link> link_;
    TransportOptions options_;
    HealthTracker own_health_;
    HealthTracker* health_;
    TransportHandlers handlers_;
    Backoff backoff_;
    boost::asio::steady_timer reopen_timer_;
    boost::asio::steady_timer request_timer_;

    bool running_ = false;
    bool up_ = false;
    bool opening_ = false;
    bool was_up_ = false;        // the link has been up since start(): a reopen is a reconnect
    std::uint64_t session_ = 0;  // bumped on every open and close; stale completions are dropped
    unsigned consecutive_timeouts_ = 0;

    std::deque<Bytes> write_queue_;
    bool writing_ = false;

    std::optional<PendingRequest> active_;
    std::deque<PendingRequest> queued_;
    std::uint64_t request_sequence_ = 0;
    Bytes reply_buffer_;
    std::shared_ptr<TraceWriter> trace_;
};

}  // namespace hk::drivers::transport
