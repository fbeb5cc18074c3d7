// The printed ticket: every part in its place and order, English lines only when the hall wants
// them, the symbol carrying the ticket's id and nothing personal, the time in the hall's time,
// and a reprint saying so.
#include "daemon/tickets/ticket_layout.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

namespace hk::tickets {
namespace {

using drivers::Align;
using drivers::PrintCode;

TicketFacts facts() {
    return TicketFacts{.ticket_id = 42,
                       .number = "A007",
                       .hall_zh = "示范镇便民服务中心",
                       .hall_en = "Demo Town Service Centre",
                       .service_zh = "不动产登记",
                       .service_en = "Real estate registration",
                       .waiting_ahead = 3,
                       .estimated_wait_s = 610,
                       .direction_zh = "请到一楼3号窗口办理",
                       .materials_zh = "身份证原件；不动产权证书",
                       .materials_en = "ID card; property certificate",
                       // 2026-11-24 01:31 UTC = 09:31 in China
                       .issued_at_ms = 1'795'483'860'000,
                       .utc_offset_minutes = 480};
}

std::vector<std::string> texts(const drivers::PrintJob& job) {
    std::vector<std::string> out;
    for (const auto& line : job.lines) {
        out.push_back(line.text);
    }
    return out;
}

TEST_CASE("a ticket has every part in order, the number largest") {
    const auto job = ticket_job(
        facts(),
        queue::TicketTemplate{.notice_zh = "过号请重新取号", .notice_en = "Missed? Take another"});
    CHECK(job.id == "ticket-42");
    CHECK_FALSE(job.reprint);
    CHECK(texts(job) == std::vector<std::string>{
                            "示范镇便民服务中心",
                            "Demo Town Service Centre",
                            "不动产登记",
                            "Real estate registration",
                            "A007",
                            "前面还有 3 人，预计等候约 11 分钟",
                            "3 people ahead, about 11 min",
                            "请到一楼3号窗口办理",
                            "请携带：身份证原件；不动产权证书",
                            "Please bring: ID card; property certificate",
                            "过号请重新取号",
                            "Missed? Take another",
                            "取号时间 Issued 2026-11-24 09:31",
                        });
    const auto number = std::ranges::find(job.lines, "A007", &drivers::PrintLine::text);
    REQUIRE(number != job.lines.end());
    CHECK(number->scale == 4);
    CHECK(number->align == Align::center);
    CHECK(number->bold);
    CHECK(std::ranges::all_of(job.lines, [](const auto& l) { return l.scale <= 4; }));
    REQUIRE(job.code);
    CHECK(job.code->kind == PrintCode::Kind::qr);
    CHECK(job.code->data == "HKT1:42:A007");
}

TEST_CASE("a Chinese-only ticket, with Code128 and nobody ahead") {
    auto nobody = facts();
    nobody.waiting_ahead = 0;
    nobody.materials_zh.clear();
    nobody.direction_zh.clear();
    const auto job = ticket_job(
        nobody,
        queue::TicketTemplate{.code = queue::TicketTemplate::Code::code128, .english = false});
    CHECK(texts(job) == std::vector<std::string>{"示范镇便民服务中心", "不动产登记", "A007",
                                                 "前面没有人等候", "取号时间 2026-11-24 09:31"});
    REQUIRE(job.code);
    CHECK(job.code->kind == PrintCode::Kind::code128);
    CHECK_FALSE(ticket_job(nobody, queue::TicketTemplate{.code = queue::TicketTemplate::Code::none})
                    .code.has_value());
}

TEST_CASE("a reprint says so at the top") {
    const auto job = ticket_job(facts(), queue::TicketTemplate{}, true);
    CHECK(job.reprint);
    CHECK(job.lines.front().text == "补打 REPRINT");
    CHECK(job.id == "ticket-42");  // the same job: the driver knows it is the same ticket
}

TEST_CASE("one waiting person and an unknown wait are said plainly") {
    auto one = facts();
    one.waiting_ahead = 1;
    one.estimated_wait_s = 0;
    const auto lines = texts(ticket_job(one, queue::TicketTemplate{}));
    CHECK(std::ranges::find(lines, "前面还有 1 人") != lines.end());
    CHECK(std::ranges::find(lines, "1 person ahead") != lines.end());
}

TEST_CASE("times are the hall's local time") {
    CHECK(local_time(0, 480) == "1970-01-01 08:00");
    CHECK(local_time(0, -300) == "1969-12-31 19:00");
}

}  // namespace
}  // namespace hk::tickets
