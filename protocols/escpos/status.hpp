// What an ESC/POS printer says back (docs/escpos.md): the one-byte replies to the real-time
// status queries DLE EOT 1–4 and GS r 1, and the 4-byte Automatic Status Back frames a printer
// sends by itself after GS a. Each is checked by its fixed bits, so line noise or a reply to
// another question is refused rather than read as "paper ok". No I/O.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <expected>
#include <span>
#include <string>
#include <variant>
#include <vector>

namespace hk::proto::escpos {

struct PrinterStatus {
    bool online = true;
    bool drawer_open = false;  // pin 3 of the drawer connector
    bool waiting_recovery = false;
    bool paper_feed_pressed = false;
    bool cover_open = false;
    bool feeding_by_button = false;
    bool paper_out_stop = false;  // printing stopped because the paper ran out
    bool error = false;
    bool recoverable_error = false;
    bool cutter_error = false;
    bool unrecoverable_error = false;
    bool auto_recoverable_error = false;
    bool paper_near_end = false;
    bool paper_out = false;
    friend bool operator==(const PrinterStatus&, const PrinterStatus&) = default;
};

// The reply to DLE EOT n (n = 1 printer, 2 offline cause, 3 error cause, 4 paper sensor), with
// only the fields that query reports set. A byte whose fixed bits (bit 1 and 4 set, bit 0 and 7
// clear) are wrong, or an n outside 1..4, is refused.
[[nodiscard]] std::expected<PrinterStatus, std::string> decode_status(int n, std::uint8_t reply);
// The reply to GS r 1 (paper sensor): bits 4 and 7 must be clear.
[[nodiscard]] std::expected<PrinterStatus, std::string> decode_paper_sensor(std::uint8_t reply);
// An Automatic Status Back frame: first byte bits 0, 1, 7 clear and bit 4 set; the other three
// bits 4 and 7 clear.
[[nodiscard]] std::expected<PrinterStatus, std::string> decode_asb(
    std::span<const std::uint8_t, 4> frame);

// The questions whose one-byte replies a StatusReader waits for, in the order they were sent.
enum class Query : std::uint8_t { printer = 1, offline = 2, error = 3, paper = 4, paper_sensor };

struct StatusReply {
    Query query = Query::printer;
    PrinterStatus status;
};
struct StatusBack {  // an Automatic Status Back frame
    PrinterStatus status;
};
struct StatusNoise {  // a byte that fits nothing expected
    std::uint8_t byte = 0;
    std::string why;
};
using StatusEvent = std::variant<StatusReply, StatusBack, StatusNoise>;

// Reads the bytes a printer sends back, in any chunks. Replies answer the queries in the order
// they were asked (expect()); ASB frames can come at any moment between them and are told
// apart by their first byte (bit 1 clear where a reply has it set). A byte that fits neither
// is reported as noise and dropped, so one bad byte never shifts later replies.
class StatusReader {
public:
    void expect(Query query);
    [[nodiscard]] std::vector<StatusEvent> feed(std::span<const std::uint8_t> bytes);
    [[nodiscard]] std::size_t pending() const { return expected_.size(); }
    void reset();  // a new connection: forget what was asked and any half frame

private:
    std::deque<Query> expected_;
    std::array<std::uint8_t, 4> frame_{};
    std::size_t frame_size_ = 0;  // bytes of an ASB frame gathered so far
};

}  // namespace hk::proto::escpos
