// The printed ticket: see ticket_layout.hpp.
#include "daemon/tickets/ticket_layout.hpp"

#include <chrono>
#include <utility>

#include <fmt/chrono.h>
#include <fmt/format.h>

namespace hk::tickets {
namespace {

using drivers::Align;
using drivers::PrintLine;

constexpr int kNumberScale = 4;  // the number, four times the height of the text around it
constexpr int kServiceScale = 2;

PrintLine line(std::string text, Align align = Align::left, int scale = 1, bool bold = false) {
    return PrintLine{.text = std::move(text), .align = align, .scale = scale, .bold = bold};
}

std::string wait_zh(const TicketFacts& facts) {
    if (facts.waiting_ahead == 0) {
        return "前面没有人等候";
    }
    const auto minutes = (facts.estimated_wait_s + 59) / 60;
    return minutes > 0
               ? fmt::format("前面还有 {} 人，预计等候约 {} 分钟", facts.waiting_ahead, minutes)
               : fmt::format("前面还有 {} 人", facts.waiting_ahead);
}

std::string wait_en(const TicketFacts& facts) {
    if (facts.waiting_ahead == 0) {
        return "Nobody is ahead of you";
    }
    const auto minutes = (facts.estimated_wait_s + 59) / 60;
    const auto people = fmt::format("{} {} ahead", facts.waiting_ahead,
                                    facts.waiting_ahead == 1 ? "person" : "people");
    return minutes > 0 ? fmt::format("{}, about {} min", people, minutes) : people;
}

}  // namespace

std::string ticket_code(std::int64_t ticket_id, std::string_view number) {
    return fmt::format("HKT1:{}:{}", ticket_id, number);
}

std::string local_time(std::int64_t at_ms, int utc_offset_minutes) {
    const auto local = std::chrono::sys_seconds(std::chrono::seconds(at_ms / 1000)) +
                       std::chrono::minutes(utc_offset_minutes);
    return fmt::format("{:%Y-%m-%d %H:%M}", local);
}

drivers::PrintJob ticket_job(const TicketFacts& facts, const queue::TicketTemplate& layout,
                             bool reprint) {
    drivers::PrintJob job;
    job.id = fmt::format("ticket-{}", facts.ticket_id);
    job.reprint = reprint;
    auto& lines = job.lines;
    const bool english = layout.english;
    if (reprint) {
        lines.push_back(line(english ? "补打 REPRINT" : "补打", Align::center, 1, true));
    }
    lines.push_back(line(facts.hall_zh, Align::center, 1, true));
    if (english && !facts.hall_en.empty() && facts.hall_en != facts.hall_zh) {
        lines.push_back(line(facts.hall_en, Align::center));
    }
    lines.push_back(line(facts.service_zh, Align::center, kServiceScale, true));
    if (english && !facts.service_en.empty()) {
        lines.push_back(line(facts.service_en, Align::center));
    }
    lines.push_back(line(facts.number, Align::center, kNumberScale, true));
    lines.push_back(line(wait_zh(facts), Align::center));
    if (english) {
        lines.push_back(line(wait_en(facts), Align::center));
    }
    if (!facts.direction_zh.empty()) {
        lines.push_back(line(facts.direction_zh, Align::center, 1, true));
    }
    if (!facts.materials_zh.empty()) {
        lines.push_back(line("请携带：" + facts.materials_zh));
    }
    if (english && !facts.materials_en.empty()) {
        lines.push_back(line("Please bring: " + facts.materials_en));
    }
    if (!layout.notice_zh.empty()) {
        lines.push_back(line(layout.notice_zh));
    }
    if (english && !layout.notice_en.empty()) {
        lines.push_back(line(layout.notice_en));
    }
    lines.push_back(line(fmt::format("{} {}", english ? "取号时间 Issued" : "取号时间",
                                     local_time(facts.issued_at_ms, facts.utc_offset_minutes)),
                         Align::center));
    switch (layout.code) {
        case queue::TicketTemplate::Code::qr:
            job.code = drivers::PrintCode{.kind = drivers::PrintCode::Kind::qr,
                                          .data = ticket_code(facts.ticket_id, facts.number)};
            break;
        case queue::TicketTemplate::Code::code128:
            job.code = drivers::PrintCode{.kind = drivers::PrintCode::Kind::code128,
                                          .data = ticket_code(facts.ticket_id, facts.number)};
            break;
        case queue::TicketTemplate::Code::none:
            break;
    }
    return job;
}

}  // namespace hk::tickets
