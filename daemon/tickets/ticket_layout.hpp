// The printed ticket (号票): what a kiosk's ticket says, as a print job any ticket printer
// driver can print — the hall's name, the service, the big number, the people ahead and the
// estimated wait, where to go, what to bring, the hall's notice, the time, and a QR or Code128
// symbol carrying the ticket's id for the counters' scanners. Pure: the same facts give the same
// job, so the layout is unit-tested and previewed without a printer. Wrapping to the paper's
// width is the driver's (it knows the paper); the layout only says what goes on it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "daemon/queue/hall.hpp"
#include "drivers/sdk/device_classes.hpp"

namespace hk::tickets {

struct TicketFacts {
    std::int64_t ticket_id = 0;  // unique for ever: the printed code carries it
    std::string number;          // "A001"
    std::string hall_zh;
    std::string hall_en;
    std::string service_zh;
    std::string service_en;
    int waiting_ahead = 0;
    std::int64_t estimated_wait_s = 0;
    std::string direction_zh;  // 请到一楼3号窗口办理
    std::string materials_zh;  // 身份证原件；不动产权证书
    std::string materials_en;
    std::int64_t issued_at_ms = 0;
    int utc_offset_minutes = 480;  // the hall's local time, for the printed time
};

// What the ticket's symbol carries: "HKT1:<ticket id>:<number>" — ids only, never personal
// data. The counters' scanners read it back (the sticker and scan flow checks it further).
[[nodiscard]] std::string ticket_code(std::int64_t ticket_id, std::string_view number);

// The print job of a ticket. Its id is "ticket-<ticket id>", so a retried job is recognised
// by the printer driver; `reprint` prints "补打 / REPRINT" on it.
[[nodiscard]] drivers::PrintJob ticket_job(const TicketFacts& facts,
                                           const queue::TicketTemplate& layout,
                                           bool reprint = false);

// "2026-11-24 09:31" in the hall's local time.
[[nodiscard]] std::string local_time(std::int64_t at_ms, int utc_offset_minutes);

}  // namespace hk::tickets
