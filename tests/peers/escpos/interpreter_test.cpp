// The ESC/POS emulator's interpreter: framing in any chunking, the page model, status answers
// and ASB for every scripted state, printing held while offline and resumed exactly once, and
// its limits on hostile input.
#include "tests/peers/escpos/interpreter.hpp"

#include <algorithm>
#include <array>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "tests/peers/escpos/test_bytes.hpp"

namespace escpos = hk::test::escpos;
namespace b = hk::test::escpos::bytes;
using escpos::Interpreter;
using escpos::InterpreterOptions;
using escpos::Paper;

namespace {

using Output = std::vector<std::uint8_t>;

struct Result {
    std::vector<escpos::Page> pages;
    escpos::Page current;
    Output output;
    escpos::Counters counters;
    bool operator==(const Result&) const = default;
};

Result run_chunks(std::string_view input, const std::vector<std::size_t>& cuts,
                  const InterpreterOptions& options = {}) {
    Interpreter printer(options);
    std::size_t at = 0;
    for (const auto cut : cuts) {
        printer.feed(input.substr(at, cut - at));
        at = cut;
    }
    printer.feed(input.substr(at));
    return {printer.take_pages(), printer.current_page(), printer.take_output(),
            printer.counters()};
}

std::string everything() {
    return b::ticket("A023", "HK-A023-7F3Q") + b::dle_eot(1) + b::asb(0x0F) +
           b::of({0x1D, 'r', 1}) + b::of({0x1D, 'I', 67}) + b::of({0x1D, 'v', '0', 0, 1, 0, 2, 0}) +
           b::of({0xF0, 0x0F}) + b::of({0x1B, 'x'}) + b::of({0x1D, '(', 'L', 2, 0, 48, 69}) +
           b::kKanjiOn + b::of({0x81, 0x30, 0x81, 0x30, 0x81, 0x0A}) + b::kKanjiOff +
           b::of({0x1D, 'k', 2}) + "400638133393" + b::of({0}) + b::of({0x1D, 'k', 4}) + "HK-1" +
           b::of({0}) + b::kCut;
}

}  // namespace

TEST_CASE("a ticket becomes lines of text runs with their size and weight and alignment") {
    Interpreter printer;
    printer.feed(b::ticket("A023", "HK-A023-7F3Q"));
    REQUIRE(printer.pages().size() == 1);
    const auto& page = printer.pages().front();
    CHECK(page.cut == escpos::Cut::partial);
    CHECK(page.text() == "取号 A023\n政务服务中心\n请稍候 窗口 3\n\n\n\n");

    const auto& number = std::get<escpos::TextLine>(page.blocks.at(0));
    CHECK(number.align == escpos::Align::center);
    REQUIRE(number.runs.size() == 2);  // the double-byte characters, then the one-byte ones
    CHECK(number.runs[0].style ==
          escpos::TextStyle{.width = 2, .height = 2, .bold = true, .wide = true});
    CHECK(number.runs[0].text == U"取号");
    CHECK(number.runs[1].text == U" A023");
    CHECK(number.width == 2 * 48 + 5 * 24);
    CHECK(number.height == 48);
    CHECK(number.advance == 48);
    const auto& hall = std::get<escpos::TextLine>(page.blocks.at(1));
    CHECK(hall.runs[0].style == escpos::TextStyle{.wide = true});
    CHECK(hall.advance == 30);  // the default line spacing

    REQUIRE(page.qr_symbols().size() == 1);
    const auto& qr = *page.qr_symbols()[0];
    CHECK(qr.data == "HK-A023-7F3Q");
    CHECK(qr.module_size == 6);
    CHECK(qr.error_correction == escpos::QrErrorCorrection::M);
    CHECK(qr.modules == 21);
    CHECK(qr.align == escpos::Align::center);
    REQUIRE(page.barcodes().size() == 1);
    const auto& code = *page.barcodes()[0];
    CHECK(code.symbology == escpos::Symbology::code128);
    CHECK(code.hri == "HK-A023-7F3Q");
    CHECK(code.height == 80);
    CHECK(code.width() == (11 * (12 + 3) + 2) * 2);  // start, 12 data, check, stop; 2 dots
    CHECK(printer.counters().lines == 6);
    CHECK(printer.counters().symbols == 2);
    CHECK(printer.counters().pages == 1);
    CHECK(printer.counters().unknown == 0);
    CHECK(printer.counters().ignored == 0);
    CHECK(printer.counters().errors == 0);
}

TEST_CASE("input split into chunks of any size gives what the whole input gives") {
    const auto input = everything();
    const auto whole = run_chunks(input, {});
    REQUIRE(whole.pages.size() == 2);
    CHECK(whole.counters.unknown == 1);  // ESC x
    CHECK(whole.counters.ignored == 1);  // GS ( L
    CHECK(whole.counters.status_replies == 3);
    for (std::size_t split = 1; split < input.size(); ++split) {
        INFO("split at " << split);
        REQUIRE(run_chunks(input, {split}) == whole);
    }
    std::vector<std::size_t> every_byte(input.size() - 1);
    std::iota(every_byte.begin(), every_byte.end(), 1);
    CHECK(run_chunks(input, every_byte) == whole);
    std::mt19937 random(7);
    for (int round = 0; round < 50; ++round) {
        std::vector<std::size_t> cuts;
        for (std::size_t at = 1 + random() % 9; at < input.size(); at += 1 + random() % 9) {
            cuts.push_back(at);
        }
        REQUIRE(run_chunks(input, cuts) == whole);
    }
}

TEST_CASE(
    "Kanji mode decodes GB18030 two- and four-byte characters and outside it the code page "
    "applies") {
    Interpreter printer;
    printer.feed(b::kKanjiOn + b::kChuangKou + b::of({0x81, 0x30, 0x81, 0x30}) +
                 b::of({0x95, 0x32, 0x82, 0x36}) + b::of({0x81}) + b::kLf);
    printer.feed(b::kKanjiOff + b::of({0x82, 0x0A}));
    printer.feed(b::of({0x1B, 't', 16, 0x80, 0x0A}));
    printer.feed(b::kCut);
    REQUIRE(printer.pages().size() == 1);
    CHECK(printer.pages()[0].text() == "窗口\u0080𠀀?\né\n€\n");
    const auto& line = std::get<escpos::TextLine>(printer.pages()[0].blocks[0]);
    CHECK(line.width == 4 * 24 + 12);
}

TEST_CASE("text wraps at the print area: 48 font A characters on 80 mm and 32 on 58 mm") {
    const std::string text(50, 'W');
    for (const auto& [width, per_line] :
         {std::pair{escpos::kWidth80mm, 48}, std::pair{escpos::kWidth58mm, 32}}) {
        Interpreter printer(InterpreterOptions{.width = width});
        printer.feed(text);
        printer.feed(b::kLf);
        printer.feed(b::kKanjiOn);
        std::string kanji;
        for (int i = 0; i < 30; ++i) {
            kanji += b::kChuangKou.substr(0, 2);
        }
        kanji += b::kLf;
        kanji += b::kCut;
        printer.feed(kanji);
        const auto& blocks = printer.pages().at(0).blocks;
        REQUIRE(blocks.size() == 4);
        CHECK(std::get<escpos::TextLine>(blocks[0]).runs[0].text.size() ==
              static_cast<std::size_t>(per_line));
        CHECK(std::get<escpos::TextLine>(blocks[1]).runs[0].text.size() ==
              50 - static_cast<std::size_t>(per_line));
        CHECK(std::get<escpos::TextLine>(blocks[2]).runs[0].text.size() ==
              static_cast<std::size_t>(per_line / 2));
    }
}

TEST_CASE("DLE EOT answers every state with its fixed bits at once even while printing waits") {
    struct Case {
        const char* name;
        void (*script)(Interpreter&);
        std::array<std::uint8_t, 4> status;  // n = 1..4
    };
    const std::array<Case, 6> cases = {{
        {"ready", [](Interpreter&) {}, {0x12, 0x12, 0x12, 0x12}},
        {"paper near end",
         [](Interpreter& p) { p.set_paper(Paper::near_end); },
         {0x12, 0x12, 0x12, 0x1E}},
        {"paper out", [](Interpreter& p) { p.set_paper(Paper::out); }, {0x1A, 0x32, 0x12, 0x7E}},
        {"cover open", [](Interpreter& p) { p.set_cover_open(true); }, {0x1A, 0x16, 0x12, 0x12}},
        {"cutter error",
         [](Interpreter& p) { p.set_cutter_error(true); },
         {0x1A, 0x52, 0x1A, 0x12}},
        {"offline", [](Interpreter& p) { p.set_online(false); }, {0x1A, 0x12, 0x12, 0x12}},
    }};
    for (const auto& c : cases) {
        INFO(c.name);
        Interpreter printer;
        c.script(printer);
        printer.feed(b::of({0x1B, 'a', 1}) + "text");  // held while offline
        printer.feed(b::dle_eot(1) + b::dle_eot(2) + b::dle_eot(3) + b::dle_eot(4));
        const auto output = printer.take_output();
        REQUIRE(output.size() == 4);
        for (std::size_t n = 0; n < 4; ++n) {
            CHECK(output[n] == c.status.at(n));
            CHECK((output[n] & 0x93) == 0x12);  // bits 1 and 4 set, 0 and 7 clear
            CHECK(printer.realtime_status(static_cast<int>(n + 1)) == c.status.at(n));
        }
    }
}

TEST_CASE("GS r 1 reports the roll paper sensor in order with the data") {
    Interpreter printer;
    printer.feed(b::of({0x1D, 'r', 1}));
    printer.set_paper(Paper::near_end);
    printer.feed(b::of({0x1D, 'r', 49}));
    CHECK(printer.take_output() == Output{0x00, 0x03});
    printer.set_paper(Paper::out);
    printer.feed(b::of({0x1D, 'r', 1}));  // waits in the buffer while the paper is out
    CHECK(printer.take_output().empty());
    printer.set_paper(Paper::ok);
    CHECK(printer.take_output() == Output{0x00});
}

TEST_CASE("ASB sends a frame when enabled and on every change of an enabled status") {
    Interpreter printer;
    printer.feed(b::asb(0x0F));
    CHECK(printer.take_output() == Output{0x10, 0x00, 0x00, 0x00});
    printer.set_paper(Paper::near_end);
    CHECK(printer.take_output() == Output{0x10, 0x00, 0x03, 0x00});
    printer.set_paper(Paper::out);
    CHECK(printer.take_output() == Output{0x18, 0x00, 0x0F, 0x00});
    printer.set_paper(Paper::ok);
    CHECK(printer.take_output() == Output{0x10, 0x00, 0x00, 0x00});
    printer.set_cover_open(true);
    CHECK(printer.take_output() == Output{0x38, 0x00, 0x00, 0x00});
    printer.set_cover_open(false);
    printer.set_cutter_error(true);
    CHECK(printer.take_output() == Output{0x10, 0x00, 0x00, 0x00, 0x18, 0x08, 0x00, 0x00});
    printer.feed(b::of({0x10, 0x05, 1}));  // DLE ENQ 1 recovers
    CHECK(printer.take_output() == Output{0x10, 0x00, 0x00, 0x00});
    CHECK_FALSE(printer.state().cutter_error);
    printer.set_cover_open(false);  // no change, no frame
    CHECK(printer.take_output().empty());

    SECTION("items not enabled send nothing; the frame always tells the whole state") {
        printer.feed(b::asb(0x02));  // online/offline only
        CHECK(printer.take_output() == Output{0x10, 0x00, 0x00, 0x00});
        printer.set_paper(Paper::near_end);
        CHECK(printer.take_output().empty());
        printer.set_paper(Paper::out);
        CHECK(printer.take_output() == Output{0x18, 0x00, 0x0F, 0x00});
    }
    SECTION("ESC @ disables ASB") {
        printer.feed(b::kInit);
        CHECK(printer.asb_mask() == 0);
        printer.set_paper(Paper::out);
        CHECK(printer.take_output().empty());
    }
}

TEST_CASE("paper out in the middle of a job holds the rest which prints once after a refill") {
    const auto job = b::ticket("A023", "HK-A023-7F3Q");
    const auto reference = run_chunks(job, {});
    const auto middle = job.find(b::kZhengWuFuWuZhongXin);

    Interpreter printer;
    printer.feed(job.substr(0, middle));
    CHECK(printer.current_page().blocks.size() == 1);  // the number is on paper
    printer.set_paper(Paper::out);
    printer.feed(job.substr(middle) + b::dle_eot(4) + b::dle_eot(2) + b::dle_eot(1));
    CHECK(printer.take_output() == Output{0x7E, 0x32, 0x1A});
    CHECK(printer.pages().empty());
    CHECK(printer.current_page().blocks.size() == 1);
    CHECK(printer.counters().lines == 1);
    CHECK(printer.buffered_bytes() == job.size() - middle);

    printer.set_paper(Paper::ok);
    CHECK(printer.buffered_bytes() == 0);
    REQUIRE(printer.pages().size() == 1);
    auto page = printer.pages()[0];
    CHECK(page.interrupted);
    CHECK(page.text() == reference.pages.at(0).text());
    CHECK(page.qr_symbols().size() == 1);
    CHECK(page.barcodes().size() == 1);
    page.interrupted = false;
    CHECK(page == reference.pages.at(0));
    CHECK(printer.counters().lines == reference.counters.lines);
    CHECK(printer.counters().pages == 1);

    // Data after the refill prints after the held job, in order.
    printer.feed(b::ticket("A024", "HK-A024"));
    CHECK(printer.pages().size() == 2);
}

TEST_CASE(
    "the roll running out stops before the block that does not fit which prints after a refill") {
    const auto job = b::ticket("A023", "HK-A023-7F3Q");
    const auto reference = run_chunks(job, {});
    Interpreter printer;
    printer.set_roll_remaining(100);  // the number (48 dots) and the hall's name (30) fit
    printer.feed(job + b::dle_eot(4));
    CHECK(printer.state().paper == Paper::out);
    CHECK(printer.take_output() == Output{0x7E});
    CHECK(printer.current_page().height == 78);
    CHECK(printer.pages().empty());
    printer.set_paper(Paper::ok);
    REQUIRE(printer.pages().size() == 1);
    CHECK(printer.pages()[0].text() == reference.pages.at(0).text());
    CHECK(printer.pages()[0].height == reference.pages.at(0).height);
}

TEST_CASE("cover open and offline hold printing until they end") {
    for (const bool cover : {true, false}) {
        Interpreter printer;
        if (cover) {
            printer.set_cover_open(true);
        } else {
            printer.set_online(false);
        }
        printer.feed(b::ticket("A001", "HK-A001"));
        CHECK(printer.pages().empty());
        CHECK(printer.offline());
        if (cover) {
            printer.set_cover_open(false);
        } else {
            printer.set_online(true);
        }
        CHECK(printer.pages().size() == 1);
        CHECK_FALSE(printer.pages()[0].interrupted);  // nothing of it had printed
    }
}

TEST_CASE(
    "a cutter error holds printing until DLE ENQ 1 resumes it or DLE ENQ 2 clears the buffer") {
    const auto first = b::ticket("A001", "HK-A001");
    const auto second = b::ticket("A002", "HK-A002");
    for (const int n : {1, 2}) {
        INFO("DLE ENQ " << n);
        Interpreter printer;
        printer.feed(first);
        printer.set_cutter_error(true);
        printer.feed(second);
        CHECK(printer.pages().size() == 1);
        CHECK(printer.buffered_bytes() == second.size());
        printer.feed(b::of({0x10, 0x05, n}));
        CHECK_FALSE(printer.state().cutter_error);
        CHECK(printer.buffered_bytes() == 0);
        CHECK(printer.pages().size() == (n == 1 ? 2U : 1U));
        // Only a recoverable error is recovered: DLE ENQ with the cover open does nothing.
        printer.set_cover_open(true);
        printer.feed(b::of({0x10, 0x05, 1}));
        CHECK(printer.state().cover_open);
    }
    Interpreter printer;
    printer.set_cutter_error(true);
    printer.set_cutter_error(false);  // "cutter ok": the technician cleared it
    printer.feed(first);
    CHECK(printer.pages().size() == 1);
}

TEST_CASE("cut commands full and partial with and without a feed give one page per cut") {
    Interpreter printer;
    for (const int m : {0, 1, 48, 49}) {
        printer.feed("x" + b::kLf + b::of({0x1D, 'V', m}));
    }
    for (const int m : {65, 66}) {
        printer.feed("y" + b::kLf + b::of({0x1D, 'V', m, 40}));
    }
    printer.feed("pending" + b::kCut);    // text still in the line buffer prints before the cut
    printer.feed(b::of({0x1D, 'V', 7}));  // not a cut mode: refused
    const auto& pages = printer.pages();
    REQUIRE(pages.size() == 7);
    using escpos::Cut;
    const std::array<Cut, 7> kinds = {Cut::full, Cut::partial, Cut::full, Cut::partial,
                                      Cut::full, Cut::partial, Cut::full};
    for (std::size_t i = 0; i < kinds.size(); ++i) {
        CHECK(pages[i].cut == kinds.at(i));
    }
    CHECK(pages[0].height == 30);
    CHECK(pages[4].height == 70);
    CHECK(std::get<escpos::Feed>(pages[4].blocks.back()).dots == 40);
    CHECK(pages[6].text() == "pending\n");
    CHECK(printer.counters().errors == 1);
}

TEST_CASE("LF and ESC d n and ESC J n move the paper by the line spacing or in dots") {
    Interpreter printer;
    printer.feed(b::kLf + b::feed_lines(3) + b::of({0x1B, '3', 40}) + "a" + b::feed_lines(2) +
                 b::of({0x1B, 'J', 10}) + b::of({0x1B, '2'}) + "b" + b::kLf + b::kCut);
    const auto& blocks = printer.pages().at(0).blocks;
    REQUIRE(blocks.size() == 5);
    CHECK(escpos::block_height(blocks[0]) == 30);
    CHECK(std::get<escpos::Feed>(blocks[1]).dots == 90);
    CHECK(std::get<escpos::TextLine>(blocks[2]).advance == 80);
    CHECK(std::get<escpos::Feed>(blocks[3]).dots == 10);
    CHECK(std::get<escpos::TextLine>(blocks[4]).advance == 30);
}

TEST_CASE(
    "barcodes in Code128 code sets and the legacy NUL-terminated forms print and bad data is "
    "refused") {
    Interpreter printer;
    printer.feed(b::code128(b::of({'{', 'C', 12, 34, 56, '{', 'B', 'x'})) + b::kLf);
    printer.feed(b::of({0x1D, 'k', 2}) + "400638133393" + b::of({0}));
    printer.feed(b::of({0x1D, 'k', 4}) + "HK-1" + b::of({0}));
    printer.feed(b::of({0x1D, 'k', 73, 3}) + "abc");  // no code set: refused
    printer.feed(b::of({0x1D, 'k', 2}) + "12a");      // 'a' ends the data: refused, 'a' prints
    printer.feed(b::kLf + b::kCut);
    const auto& page = printer.pages().at(0);
    const auto codes = page.barcodes();
    REQUIRE(codes.size() == 3);
    CHECK(codes[0]->hri == "123456x");
    CHECK(codes[1]->symbology == escpos::Symbology::ean13);
    CHECK(codes[1]->hri == "4006381333931");
    CHECK(codes[1]->width() == 95 * 2);
    CHECK(codes[2]->symbology == escpos::Symbology::code39);
    CHECK(codes[2]->hri == "*HK-1*");
    CHECK(printer.counters().errors == 2);
    CHECK(page.text() == "\na\n");
}

TEST_CASE("a barcode wider than the print area is refused as a printer does") {
    const std::string id = "HK-A023-20250101-7F3Q";  // 266 modules: 532 dots at module width 2
    Interpreter wide;
    wide.feed(b::code128("{B" + id) + b::kCut);
    CHECK(wide.pages().at(0).barcodes().size() == 1);
    Interpreter narrow(InterpreterOptions{.width = escpos::kWidth58mm});
    narrow.feed(b::code128("{B" + id) + b::kCut);
    CHECK(narrow.pages().at(0).barcodes().empty());
    CHECK(narrow.counters().errors == 1);
    CHECK(narrow.log().back().find("does not fit") != std::string::npos);
}

TEST_CASE("a raster image is kept with its scale") {
    Interpreter printer;
    printer.feed(b::of({0x1D, 'v', '0', 3, 2, 0, 2, 0, 0xF0, 0x0F, 0xAA, 0x55}) + b::kCut);
    const auto& image = std::get<escpos::RasterImage>(printer.pages().at(0).blocks.at(0));
    CHECK(image.width == 16);
    CHECK(image.height == 2);
    CHECK(image.scale_x == 2);
    CHECK(image.scale_y == 2);
    CHECK(image.bits == Output{0xF0, 0x0F, 0xAA, 0x55});
    CHECK(printer.pages()[0].height == 4);
}

TEST_CASE(
    "unknown commands are counted and logged and skipped while known ones not emulated skip "
    "whole") {
    std::vector<std::string> logged;
    Interpreter printer(
        InterpreterOptions{.on_log = [&](std::string_view line) { logged.emplace_back(line); }});
    printer.feed(b::of({0x1B, 'x'}) + "a" + b::of({0x1D, 0x7F}) + b::of({0x07}) + "b" + b::kLf);
    // GS ( L with 6 bytes of data, ESC * with 3 columns, GS 8 L with 4 bytes: all skipped.
    printer.feed(b::of({0x1D, '(', 'L', 6, 0, 48, 112, 'A', 'B', 'C', 'D'}) +
                 b::of({0x1B, '*', 0, 3, 0, 'E', 'F', 'G'}) +
                 b::of({0x1D, '8', 'L', 4, 0, 0, 0, 'H', 'I', 'J', 'K'}) + "c" + b::kLf + b::kCut);
    CHECK(printer.pages().at(0).text() == "ab\nc\n");
    CHECK(printer.counters().unknown == 3);
    CHECK(printer.counters().ignored == 3);
    REQUIRE(logged.size() == 6);
    CHECK(logged[0] == "ESC x: unknown command, 2 bytes skipped");
    CHECK(printer.log().size() == 6);
}

TEST_CASE("oversized data is skipped unkept and pages and the receive buffer are bounded") {
    SECTION("raster data beyond max_image_bytes") {
        Interpreter printer(InterpreterOptions{.max_image_bytes = 1024});
        printer.feed(b::of({0x1D, 'v', '0', 0, 64, 0, 64, 0}));
        printer.feed(std::string(4096, 'A'));
        printer.feed("ok" + b::kLf + b::kCut);
        CHECK(printer.pages().at(0).text() == "ok\n");
        CHECK(printer.counters().skipped_bytes == 8 + 4096);
        CHECK(printer.counters().errors == 1);
    }
    SECTION("page length") {
        Interpreter printer(InterpreterOptions{.max_page_height = 300});
        for (int i = 0; i < 20; ++i) {
            printer.feed("line" + b::kLf);
        }
        printer.feed(b::kCut);
        const auto& page = printer.pages().at(0);
        CHECK(page.truncated);
        CHECK(page.height == 300);
        CHECK(printer.counters().truncated_blocks == 10);
    }
    SECTION("receive buffer while printing waits") {
        Interpreter printer(InterpreterOptions{.max_buffered_bytes = 100});
        printer.set_paper(Paper::out);
        printer.feed(std::string(250, 'z'));
        CHECK(printer.buffered_bytes() == 100);
        CHECK(printer.counters().dropped_bytes == 150);
    }
    SECTION("kept pages") {
        Interpreter printer(InterpreterOptions{.max_kept_pages = 2});
        std::string page = "p";
        page += b::kLf;
        page += b::kCut;
        for (int i = 0; i < 5; ++i) {
            printer.feed(page);
        }
        CHECK(printer.pages().size() == 2);
        CHECK(printer.counters().pages == 5);
        CHECK(printer.counters().discarded_pages == 3);
    }
}

TEST_CASE("GS I answers the printer's identity") {
    Interpreter printer;
    printer.feed(b::of({0x1D, 'I', 1}) + b::of({0x1D, 'I', 66}));
    const auto output = printer.take_output();
    const Output expected = {0x20, 0x5F, 'H', 'A', 'L', 'L', 'K', 'E', 'E', 'P', 'E', 'R', 0x00};
    CHECK(output == expected);
}
