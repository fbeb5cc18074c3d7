// The ESC/POS emulator's interpreter: fed the bytes a host sends, in chunks of any size, it
// frames them into commands, answers real-time status requests at once, executes the rest in
// order into a page model (one page per cut) and answers like a thermal ticket printer.
//
// Like a real printer it has a receive buffer: while it cannot print (paper out, cover open,
// cutter error, switched offline) commands keep being received and wait in that buffer, and
// real-time commands (DLE EOT, DLE ENQ, DLE DC4) are still answered; printing resumes where it
// stopped once the cause is gone, so nothing is printed twice and nothing is lost.
//
// Written from the ESC/POS command reference, independently of the tree's encoder, so that
// tests through it cross-check the encoder. Every limit is explicit: a page has a maximum
// length, images and stored data a maximum size, the receive buffer a maximum fill; what goes
// beyond is counted and logged, never kept. Single-threaded: one owner calls everything.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tests/peers/escpos/page.hpp"

namespace hk::test::escpos {

inline constexpr int kWidth80mm = 576;  // dots across the print area of 80 mm paper
inline constexpr int kWidth58mm = 384;  // and of 58 mm paper

struct InterpreterOptions {
    int width = kWidth80mm;          // print area in dots
    bool kanji_at_power_on = false;  // Kanji (GB18030) mode after power on and ESC @
    int max_page_height = 20000;     // dots; blocks beyond are dropped (page.truncated)
    std::size_t max_image_bytes =
        std::size_t{512} * 1024;  // raster data and QR data kept per command
    std::size_t max_buffered_bytes =
        std::size_t{4} * 1024 * 1024;  // receive buffer while printing waits
    std::size_t max_kept_pages = 64;   // cut pages kept until take_pages()
    std::size_t max_log_lines = 200;   // recent log lines kept
    // Every log line (unknown commands, refused symbols, state changes) also goes here.
    std::function<void(std::string_view)> on_log;
};

class Interpreter {
public:
    explicit Interpreter(InterpreterOptions options = {});
    Interpreter(const Interpreter&) = delete;
    Interpreter& operator=(const Interpreter&) = delete;
    Interpreter(Interpreter&&) noexcept;
    Interpreter& operator=(Interpreter&&) noexcept;
    ~Interpreter();

    // Bytes from the host, in any chunking.
    void feed(std::span<const std::uint8_t> bytes);
    void feed(std::string_view bytes);

    // What the printer sent back since the last call (status bytes, ASB frames), in order.
    [[nodiscard]] std::vector<std::uint8_t> take_output();

    // ---- Scripted state. Each change sends an ASB frame when ASB covers it, and printing
    // ---- resumes when nothing stops it any more.
    void set_paper(Paper paper);
    void set_cover_open(bool open);
    void set_cutter_error(bool error);
    void set_online(bool online);
    // Paper left on the roll in dots (empty: endless). Printing that would need more runs the
    // roll out: the paper goes out before that block, which is printed after a refill.
    void set_roll_remaining(std::optional<int> dots);

    [[nodiscard]] const PrinterState& state() const;
    [[nodiscard]] bool offline() const;                // printing waits (the DLE EOT 1 offline bit)
    [[nodiscard]] std::size_t buffered_bytes() const;  // received, waiting to be printed
    [[nodiscard]] std::uint8_t asb_mask() const;       // GS a n in force

    // The status byte DLE EOT n answers now (n = 1..4), and the ASB frame.
    [[nodiscard]] std::uint8_t realtime_status(int n) const;
    [[nodiscard]] std::array<std::uint8_t, 4> asb_frame() const;

    // ---- What was printed.
    [[nodiscard]] const std::deque<Page>& pages() const;  // cut pages not taken yet
    [[nodiscard]] std::vector<Page> take_pages();
    [[nodiscard]] const Page& current_page() const;  // printed since the last cut
    [[nodiscard]] const Counters& counters() const;
    [[nodiscard]] const std::deque<std::string>& log() const;  // the latest lines

    [[nodiscard]] int width() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace hk::test::escpos
