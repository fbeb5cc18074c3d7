// What an ESC/POS printer says back: see status.hpp.
#include "protocols/escpos/status.hpp"

#include <string>
#include <string_view>

namespace hk::proto::escpos {
namespace {

constexpr std::uint8_t kReplyMask = 0x93;   // bits 0, 1, 4, 7
constexpr std::uint8_t kReplyFixed = 0x12;  // bit 1 and 4 set, 0 and 7 clear
constexpr std::uint8_t kAsbFirstMask = 0x93;
constexpr std::uint8_t kAsbFirstFixed = 0x10;  // bit 4 set, 0, 1 and 7 clear
constexpr std::uint8_t kAsbRestMask = 0x90;    // bits 4 and 7 clear

bool bit(std::uint8_t byte, unsigned n) {
    return ((byte >> n) & 1U) != 0;
}

std::string hex(std::uint8_t byte) {
    constexpr std::string_view kDigits = "0123456789ABCDEF";
    return std::string("0x") + kDigits[byte >> 4U] + kDigits[byte & 0x0FU];
}

}  // namespace

std::expected<PrinterStatus, std::string> decode_status(int n, std::uint8_t reply) {
    if (n < 1 || n > 4) {
        return std::unexpected("DLE EOT " + std::to_string(n) + " is no status query (1 to 4)");
    }
    if ((reply & kReplyMask) != kReplyFixed) {
        return std::unexpected(hex(reply) +
                               " is no DLE EOT reply: bits 1 and 4 must be set, 0 and 7 clear");
    }
    PrinterStatus status;
    switch (n) {
        case 1:
            status.drawer_open = bit(reply, 2);
            status.online = !bit(reply, 3);
            status.waiting_recovery = bit(reply, 5);
            status.paper_feed_pressed = bit(reply, 6);
            break;
        case 2:
            status.cover_open = bit(reply, 2);
            status.feeding_by_button = bit(reply, 3);
            status.paper_out_stop = bit(reply, 5);
            status.paper_out = status.paper_out_stop;
            status.error = bit(reply, 6);
            break;
        case 3:
            status.recoverable_error = bit(reply, 2);
            status.cutter_error = bit(reply, 3);
            status.unrecoverable_error = bit(reply, 5);
            status.auto_recoverable_error = bit(reply, 6);
            status.error = status.recoverable_error || status.cutter_error ||
                           status.unrecoverable_error || status.auto_recoverable_error;
            break;
        default:
            // Two bits each: printers set both, some only one; either counts.
            status.paper_near_end = bit(reply, 2) || bit(reply, 3);
            status.paper_out = bit(reply, 5) || bit(reply, 6);
            break;
    }
    return status;
}

std::expected<PrinterStatus, std::string> decode_paper_sensor(std::uint8_t reply) {
    if ((reply & 0x90U) != 0) {
        return std::unexpected(hex(reply) + " is no GS r 1 reply: bits 4 and 7 must be clear");
    }
    PrinterStatus status;
    status.paper_near_end = bit(reply, 0) || bit(reply, 1);
    status.paper_out = bit(reply, 2) || bit(reply, 3);
    return status;
}

std::expected<PrinterStatus, std::string> decode_asb(std::span<const std::uint8_t, 4> frame) {
    if ((frame[0] & kAsbFirstMask) != kAsbFirstFixed) {
        return std::unexpected(hex(frame[0]) +
                               " starts no status back frame: bit 4 must be set, 0, 1 and 7 clear");
    }
    for (std::size_t i = 1; i < frame.size(); ++i) {
        if ((frame[i] & kAsbRestMask) != 0) {
            return std::unexpected("byte " + std::to_string(i + 1) + " of a status back frame is " +
                                   hex(frame[i]) + ": bits 4 and 7 must be clear");
        }
    }
    PrinterStatus status;
    status.drawer_open = bit(frame[0], 2);
    status.online = !bit(frame[0], 3);
    status.cover_open = bit(frame[0], 5);
    status.paper_feed_pressed = bit(frame[0], 6);
    status.recoverable_error = bit(frame[1], 2);
    status.cutter_error = bit(frame[1], 3);
    status.unrecoverable_error = bit(frame[1], 5);
    status.auto_recoverable_error = bit(frame[1], 6);
    status.error = status.recoverable_error || status.cutter_error || status.unrecoverable_error ||
                   status.auto_recoverable_error;
    status.paper_near_end = bit(frame[2], 0) || bit(frame[2], 1);
    status.paper_out = bit(frame[2], 2) || bit(frame[2], 3);
    status.paper_out_stop = status.paper_out;
    return status;
}

void StatusReader::expect(Query query) {
    expected_.push_back(query);
}

void StatusReader::reset() {
    expected_.clear();
    frame_size_ = 0;
}

std::vector<StatusEvent> StatusReader::feed(std::span<const std::uint8_t> bytes) {
    std::vector<StatusEvent> events;
    for (const auto byte : bytes) {
        if (frame_size_ > 0) {
            if ((byte & kAsbRestMask) != 0) {
                // Not the frame it looked like: report what was gathered and read on.
                events.emplace_back(StatusNoise{frame_[0], "an unfinished status back frame"});
                frame_size_ = 0;
            } else {
                frame_[frame_size_++] = byte;
                if (frame_size_ == frame_.size()) {
                    frame_size_ = 0;
                    if (auto status = decode_asb(frame_)) {
                        events.emplace_back(StatusBack{*status});
                    } else {
                        events.emplace_back(StatusNoise{frame_[0], status.error()});
                    }
                }
                continue;
            }
        }
        if ((byte & kAsbFirstMask) == kAsbFirstFixed) {
            frame_[0] = byte;
            frame_size_ = 1;
            continue;
        }
        if (expected_.empty()) {
            events.emplace_back(StatusNoise{byte, "nothing was asked"});
            continue;
        }
        const auto query = expected_.front();
        auto status = query == Query::paper_sensor ? decode_paper_sensor(byte)
                                                   : decode_status(static_cast<int>(query), byte);
        if (!status) {
            events.emplace_back(StatusNoise{byte, status.error()});
            continue;
        }
        expected_.pop_front();
        events.emplace_back(StatusReply{query, *status});
    }
    return events;
}

}  // namespace hk::proto::escpos
