// The transport machinery shared by every link: see transport.hpp and docs/transports.md.
#include "drivers/transport/transport.hpp"

#include <algorithm>
#include <string>
#include <utility>

#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>

#include "drivers/transport/trace.hpp"

namespace hk::drivers::transport {
namespace {

std::int64_t wall_clock_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

constexpr std::size_t kReadChunk = 4096;

}  // namespace

Bytes to_bytes(std::string_view text) {
    return {text.begin(), text.end()};
}

std::string_view Link::do_fault_for(const boost::system::error_code& error) const {
    namespace error_ns = boost::asio::error;
    if (error == error_ns::eof || error == error_ns::connection_reset ||
        error == error_ns::broken_pipe || error == error_ns::connection_aborted) {
        return fault::kDisconnected;
    }
    return fault::kIoError;
}

// ---- Reply framing -------------------------------------------------------------------------

std::expected<std::optional<ExtractedReply>, FramingError> extract_reply(
    std::span<const std::uint8_t> buffered, const ReplyFramer& framer) {
    const auto frame = framer(buffered);
    if (!frame) {
        return std::nullopt;
    }
    if (frame->begin > frame->end || frame->end > buffered.size() || frame->end == 0) {
        return std::unexpected(FramingError::bad_frame);
    }
    const auto begin = buffered.begin() + static_cast<std::ptrdiff_t>(frame->begin);
    const auto end = buffered.begin() + static_cast<std::ptrdiff_t>(frame->end);
    return ExtractedReply{Bytes(begin, end), frame->end};
}

namespace framers {

ReplyFramer fixed_length(std::size_t length) {
    return [length](std::span<const std::uint8_t> buffered) -> std::optional<ReplyFrame> {
        if (buffered.size() < length || length == 0) {
            return std::nullopt;
        }
        return ReplyFrame{0, length};
    };
}

ReplyFramer until_byte(std::uint8_t terminator) {
    return [terminator](std::span<const std::uint8_t> buffered) -> std::optional<ReplyFrame> {
        const auto found = std::ranges::find(buffered, terminator);
        if (found == buffered.end()) {
            return std::nullopt;
        }
        return ReplyFrame{0, static_cast<std::size_t>(found - buffered.begin()) + 1};
    };
}

}  // namespace framers

// ---- Backoff -------------------------------------------------------------------------------

Backoff::Backoff(std::chrono::milliseconds first, std::chrono::milliseconds cap)
    : first_(std::max(first, std::chrono::milliseconds{1})),
      cap_(std::max(cap, first_)),
      current_(first_) {}

std::chrono::milliseconds Backoff::next() {
    const auto delay = current_;
    current_ = std::min(current_ * 2, cap_);
    return delay;
}

// ---- Transport -----------------------------------------------------------------------------

std::string_view to_string(RequestError error) {
    switch (error) {
        case RequestError::timeout:
            return "timeout";
        case RequestError::disconnected:
            return "disconnected";
        case RequestError::cancelled:
            return "cancelled";
        case RequestError::bad_frame:
            return "bad_frame";
        case RequestError::reply_too_big:
            return "reply_too_big";
    }
    return "unknown";
}

std::shared_ptr<Transport> Transport::create(boost::asio::io_context& io,
                                             std::unique_ptr<Link> link, TransportOptions options,
                                             HealthTracker* tracker) {
    return std::shared_ptr<Transport>(new Transport(io, std::move(link), options, tracker));
}

Transport::Transport(boost::asio::io_context& io, std::unique_ptr<Link> link,
                     TransportOptions options, HealthTracker* tracker)
    : io_(io),
      link_(std::move(link)),
      options_(options),
      health_(tracker != nullptr ? tracker : &own_health_),
      backoff_(options.first_retry, options.max_retry),
      reopen_timer_(io),
      request_timer_(io) {}

Transport::~Transport() {
    // Handlers hold only weak references, so nothing runs after this; pending request
    // handlers are dropped uncalled.
    reopen_timer_.cancel();
    request_timer_.cancel();
    link_->close();
}

void Transport::start(TransportHandlers handlers) {
    if (running_) {
        return;
    }
    handlers_ = std::move(handlers);
    running_ = true;
    was_up_ = false;
    backoff_.reset();
    set_health(DeviceState::probing, "", link_->describe());
    open();
}

void Transport::stop() {
    if (!running_) {
        return;
    }
    running_ = false;
    up_ = false;
    opening_ = false;
    ++session_;
    reopen_timer_.cancel();
    request_timer_.cancel();
    link_->close();
    write_queue_.clear();
    writing_ = false;
    fail_all_requests(RequestError::cancelled);
}

void Transport::retry_now() {
    if (!running_ || up_ || opening_) {
        return;
    }
    reopen_timer_.cancel();
    open();
}

void Transport::open() {
    opening_ = true;
    const auto session = ++session_;
    link_->async_open([weak = weak_from_this(), session](std::expected<void, LinkError> result) {
        const auto self = weak.lock();
        if (!self || self->session_ != session) {
            return;
        }
        self->on_opened(std::move(result));
    });
}

void Transport::on_opened(std::expected<void, LinkError> result) {
    opening_ = false;
    if (!result) {
        link_->close();
        const auto& health = health_->health();
        if (!was_up_ && health.state == DeviceState::probing) {
            set_health(DeviceState::offline, result.error().fault, result.error().detail);
        } else {
            // Still down for the reason it went down; only the detail says what the last
            // attempt found.
            set_health(health.state, health.fault, result.error().detail);
        }
        schedule_reopen();
        return;
    }
    up_ = true;
    consecutive_timeouts_ = 0;
    backoff_.reset();
    if (was_up_) {
        ++health_->counters().reconnects;
    }
    was_up_ = true;
    set_health(DeviceState::online, "", link_->describe());
    if (handlers_.on_up) {
        handlers_.on_up();
    }
    if (!up_) {
        return;  // the handler stopped the transport
    }
    read_loop();
    write_next();
    start_next_request();
}

void Transport::read_loop() {
    auto buffer = std::make_shared<Bytes>(kReadChunk);
    const auto session = session_;
    link_->async_read_some(std::span<std::uint8_t>(*buffer),
                           [weak = weak_from_this(), session, buffer](
                               const boost::system::error_code& error, std::size_t size) {
                               const auto self = weak.lock();
                               if (!self || self->session_ != session) {
                                   return;
                               }
                               self->on_read(error,
                                             std::span<const std::uint8_t>(*buffer).first(size));
                           });
}

void Transport::on_read(const boost::system::error_code& error,
                        std::span<const std::uint8_t> received) {
    if (error) {
        const auto fault_code = link_->fault_for(error);
        if (fault_code == fault::kIoError) {
            ++health_->counters().io_errors;
        }
        link_down(fault_code, "read: " + error.message());
        return;
    }
    if (trace_) {
        trace_->write(Direction::in, received);
    }
    const auto session = session_;
    if (active_) {
        feed_request(received);
    } else {
        deliver(received);
    }
    if (up_ && session == session_) {
        read_loop();
    }
}

bool Transport::send(Bytes bytes) {
    if (!up_) {
        return false;
    }
    write_queue_.push_back(std::move(bytes));
    write_next();
    return true;
}

void Transport::write_next() {
    if (writing_ || !up_ || write_queue_.empty()) {
        return;
    }
    writing_ = true;
    auto bytes = std::make_shared<Bytes>(std::move(write_queue_.front()));
    write_queue_.pop_front();
    if (trace_) {
        trace_->write(Direction::out, *bytes);
    }
    const auto session = session_;
    link_->async_write(std::span<const std::uint8_t>(*bytes),
                       [weak = weak_from_this(), session, bytes](
                           const boost::system::error_code& error, std::size_t /*size*/) {
                           const auto self = weak.lock();
                           if (!self || self->session_ != session) {
                               return;
                           }
                           self->writing_ = false;
                           if (error) {
                               const auto fault_code = self->link_->fault_for(error);
                               if (fault_code == fault::kIoError) {
                                   ++self->health_->counters().io_errors;
                               }
                               self->link_down(fault_code, "write: " + error.message());
                               return;
                           }
                           self->write_next();
                       });
}

void Transport::link_down(std::string_view fault_code, std::string_view detail) {
    const std::string fault_copy(fault_code);
    const std::string detail_copy(detail);
    up_ = false;
    ++session_;
    link_->close();
    request_timer_.cancel();
    write_queue_.clear();
    writing_ = false;
    set_health(DeviceState::offline, fault_copy, detail_copy);
    fail_all_requests(RequestError::disconnected);
    if (handlers_.on_down) {
        handlers_.on_down(fault_copy, detail_copy);
    }
    if (running_ && !up_ && !opening_) {
        schedule_reopen();
    }
}

void Transport::schedule_reopen() {
    if (!running_) {
        return;
    }
    reopen_timer_.expires_after(backoff_.next());
    const auto session = session_;
    reopen_timer_.async_wait(
        [weak = weak_from_this(), session](const boost::system::error_code& error) {
            const auto self = weak.lock();
            if (error || !self || self->session_ != session || !self->running_ || self->up_ ||
                self->opening_) {
                return;
            }
            self->open();
        });
}

void Transport::request(Bytes bytes, ReplyFramer framer, RequestHandler done,
                        std::optional<std::chrono::milliseconds> timeout) {
    if (!up_) {
        boost::asio::post(io_, [done = std::move(done), running = running_] {
            done(std::unexpected(running ? RequestError::disconnected : RequestError::cancelled));
        });
        return;
    }
    queued_.push_back(PendingRequest{std::move(bytes), std::move(framer), std::move(done),
                                     timeout.value_or(options_.request_timeout)});
    start_next_request();
}

void Transport::start_next_request() {
    if (active_ || queued_.empty() || !up_) {
        return;
    }
    active_ = std::move(queued_.front());
    queued_.pop_front();
    reply_buffer_.clear();
    write_queue_.push_back(active_->bytes);
    request_timer_.expires_after(active_->timeout);
    const auto session = session_;
    const auto sequence = ++request_sequence_;
    request_timer_.async_wait(
        [weak = weak_from_this(), session, sequence](const boost::system::error_code& error) {
            const auto self = weak.lock();
            // A timer that expired just as its request completed must not time out the next.
            if (error || !self || self->session_ != session || !self->active_ ||
                self->request_sequence_ != sequence) {
                return;
            }
            self->on_request_timeout();
        });
    write_next();
}

void Transport::feed_request(std::span<const std::uint8_t> bytes) {
    if (!active_) {
        deliver(bytes);
        return;
    }
    reply_buffer_.insert(reply_buffer_.end(), bytes.begin(), bytes.end());
    auto extracted = extract_reply(reply_buffer_, active_->framer);
    if (!extracted) {
        finish_request(std::unexpected(RequestError::bad_frame));
        return;
    }
    auto& found = *extracted;
    if (!found) {
        if (reply_buffer_.size() > options_.max_reply_bytes) {
            finish_request(std::unexpected(RequestError::reply_too_big));
        }
        return;
    }
    auto reply = std::move(found->reply);
    const Bytes leftover(reply_buffer_.begin() + static_cast<std::ptrdiff_t>(found->consumed),
                         reply_buffer_.end());
    reply_buffer_.clear();
    consecutive_timeouts_ = 0;
    const auto& health = health_->health();
    if (health.state == DeviceState::degraded && health.fault == fault::kTimeout) {
        set_health(DeviceState::online, "", link_->describe());
    }
    finish_request(std::move(reply));
    if (!leftover.empty() && up_) {
        feed_request(leftover);  // the next request's reply, or unsolicited input
    }
}

void Transport::on_request_timeout() {
    if (!active_) {
        return;
    }
    ++health_->counters().timeouts;
    ++consecutive_timeouts_;
    const auto detail = "no reply in " + std::to_string(active_->timeout.count()) + " ms (" +
                        std::to_string(consecutive_timeouts_) + " in a row)";
    auto done = std::move(active_->done);
    active_.reset();
    // Whatever arrived of the reply is late now: it goes to on_data like any unsolicited input.
    const Bytes partial = std::exchange(reply_buffer_, {});
    if (consecutive_timeouts_ >= std::max(options_.offline_after_timeouts, 1U)) {
        // The health changes before the driver hears of the timeout.
        link_down(fault::kTimeout, detail);
        done(std::unexpected(RequestError::timeout));
        return;
    }
    set_health(DeviceState::degraded, fault::kTimeout, detail);
    deliver(partial);
    done(std::unexpected(RequestError::timeout));
    start_next_request();
}

void Transport::finish_request(std::expected<Bytes, RequestError> result) {
    if (!active_) {
        return;
    }
    auto done = std::move(active_->done);
    active_.reset();
    request_timer_.cancel();
    done(std::move(result));
    start_next_request();
}

void Transport::fail_all_requests(RequestError error) {
    std::deque<PendingRequest> failed;
    if (active_) {
        failed.push_back(std::move(*active_));
        active_.reset();
    }
    while (!queued_.empty()) {
        failed.push_back(std::move(queued_.front()));
        queued_.pop_front();
    }
    reply_buffer_.clear();
    // Posted: the caller (stop(), a read handler) finishes before drivers hear of it.
    for (auto& request : failed) {
        boost::asio::post(
            io_, [done = std::move(request.done), error] { done(std::unexpected(error)); });
    }
}

void Transport::deliver(std::span<const std::uint8_t> bytes) const {
    if (handlers_.on_data && !bytes.empty()) {
        handlers_.on_data(bytes);
    }
}

void Transport::set_health(DeviceState state, std::string_view fault_code,
                           std::string_view detail) {
    health_->set(state, fault_code, detail, wall_clock_ms());
}

}  // namespace hk::drivers::transport
