// The ESC/POS interpreter: see interpreter.hpp. Three stages:
//   framing    bytes -> whole commands, whatever the chunking (frame());
//   receiving  real-time commands run at once, the rest is executed or waits in the receive
//              buffer while the printer is offline (Impl::dispatch);
//   executing  commands change the settings or print blocks onto the page (Impl::execute).
#include "tests/peers/escpos/interpreter.hpp"

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <utility>

#include <fmt/format.h>
#include <iconv.h>

#include "tests/peers/escpos/symbols.hpp"

namespace hk::test::escpos {
namespace {

constexpr std::uint8_t kNul = 0x00;
constexpr std::uint8_t kEot = 0x04;
constexpr std::uint8_t kEnq = 0x05;
constexpr std::uint8_t kHt = 0x09;
constexpr std::uint8_t kLf = 0x0A;
constexpr std::uint8_t kFf = 0x0C;
constexpr std::uint8_t kCr = 0x0D;
constexpr std::uint8_t kDle = 0x10;
constexpr std::uint8_t kDc4 = 0x14;
constexpr std::uint8_t kCan = 0x18;
constexpr std::uint8_t kEsc = 0x1B;
constexpr std::uint8_t kFs = 0x1C;
constexpr std::uint8_t kGs = 0x1D;

constexpr int kDefaultLineSpacing = 30;
constexpr int kDefaultBarHeight = 162;
constexpr int kDefaultBarWidth = 3;
constexpr int kTabDots = 8 * 12;          // default tab stops: every 8 font A characters
constexpr std::size_t kMaxNulData = 255;  // GS k m = 0..6: data up to a NUL
constexpr std::size_t kMaxTabs = 32;      // ESC D

// ---- Framing --------------------------------------------------------------------------------

struct Frame {
    enum class Status : std::uint8_t { complete, more, oversized };
    Status status = Status::complete;
    std::size_t size = 0;  // complete: the command's length; more: bytes needed at least;
                           // oversized: the command's whole length, to be skipped
};

Frame complete(std::size_t size) {
    return {Frame::Status::complete, size};
}
Frame more(std::size_t size) {
    return {Frame::Status::more, size};
}

bool in(std::uint8_t c, std::uint8_t lo, std::uint8_t hi) {
    return c >= lo && c <= hi;
}

// A parameter given either as a number 0..max or as its ASCII digit ('0'..): most ESC/POS
// selectors accept both.
std::optional<int> selector(std::uint8_t n, int max) {
    if (n <= max) {
        return n;
    }
    if (n >= '0' && n <= '0' + max) {
        return n - '0';
    }
    return std::nullopt;
}

bool valid_nul_barcode_char(std::uint8_t m, std::uint8_t c) {
    constexpr std::string_view kCode39Extra = " $%*+-./";
    constexpr std::string_view kCodabarExtra = "$+-./:";
    if (in(c, '0', '9')) {
        return true;
    }
    if (m == 4) {
        return in(c, 'A', 'Z') || kCode39Extra.find(static_cast<char>(c)) != std::string_view::npos;
    }
    if (m == 6) {
        return in(c, 'A', 'D') || in(c, 'a', 'd') ||
               kCodabarExtra.find(static_cast<char>(c)) != std::string_view::npos;
    }
    return false;
}

// Splits off the first command of `b` (not empty). `kanji`: whether bytes 0x81..0xFE start a
// GB18030 character. Data larger than `max_data` makes the command oversized.
Frame frame(std::span<const std::uint8_t> b, bool kanji, std::size_t max_data) {
    const std::size_t size = b.size();
    const auto need = [size](std::size_t n) { return size < n; };
    const auto with_data = [&](std::size_t header, std::size_t data) {
        if (data > max_data) {
            return Frame{Frame::Status::oversized, header + data};
        }
        return need(header + data) ? more(header + data) : complete(header + data);
    };
    const auto fixed = [&](std::size_t n) { return need(n) ? more(n) : complete(n); };
    const std::uint8_t c0 = b[0];

    if (c0 >= 0x20) {  // a character
        if (c0 < 0x80 || !kanji || c0 == 0x80 || c0 == 0xFF) {
            return complete(1);
        }
        if (need(2)) {
            return more(2);
        }
        const std::uint8_t c1 = b[1];
        if (in(c1, 0x40, 0x7E) || in(c1, 0x80, 0xFE)) {
            return complete(2);
        }
        if (!in(c1, 0x30, 0x39)) {
            return complete(1);  // an invalid lead byte alone
        }
        if (need(4)) {
            return more(4);
        }
        return in(b[2], 0x81, 0xFE) && in(b[3], 0x30, 0x39) ? complete(4) : complete(1);
    }
    if (c0 != kEsc && c0 != kGs && c0 != kFs && c0 != kDle) {
        return complete(1);
    }
    if (need(2)) {
        return more(2);
    }
    const std::uint8_t c1 = b[1];
    if (c0 == kDle) {
        if (c1 == kEot) {
            if (need(3)) {
                return more(3);
            }
            return b[2] == 7 || b[2] == 8 ? fixed(4) : complete(3);
        }
        if (c1 == kEnq) {
            return fixed(3);
        }
        if (c1 == kDc4) {
            if (need(3)) {
                return more(3);
            }
            switch (b[2]) {
                case 1:
                case 2:
                case 3:
                    return fixed(5);
                case 7:
                    return fixed(4);
                case 8:
                    return fixed(10);
                default:
                    return complete(3);
            }
        }
        return complete(1);  // a lone DLE
    }
    if (c0 == kEsc) {
        switch (c1) {
            case '@':
            case '2':
            case '<':
            case 'L':
            case 'S':
            case 'i':
            case 'm':
            case 'v':
            case kFf:
                return complete(2);
            case ' ':
            case '!':
            case '%':
            case '-':
            case '3':
            case '=':
            case '?':
            case 'E':
            case 'G':
            case 'J':
            case 'K':
            case 'M':
            case 'R':
            case 'T':
            case 'U':
            case 'V':
            case 'a':
            case 'd':
            case 'e':
            case 'r':
            case 't':
            case 'u':
            case '{':
                return fixed(3);
            case '$':
            case '\\':
            case 'c':
                return fixed(4);
            case 'p':
                return fixed(5);
            case 'W':
                return fixed(10);
            case '*': {
                if (need(5)) {
                    return more(5);
                }
                const std::size_t n = b[3] + (std::size_t{b[4]} << 8U);
                return with_data(5, b[2] == 32 || b[2] == 33 ? 3 * n : n);
            }
            case '&': {
                // ESC & y c1 c2 [x d1..d(y*x)]...: user-defined characters. Only the sizes a
                // printer accepts (y <= 3, x <= 12) are framed; anything else is unknown.
                if (need(5)) {
                    return more(5);
                }
                const std::size_t y = b[2];
                if (y > 3 || b[4] < b[3]) {
                    return complete(2);
                }
                std::size_t at = 5;
                for (int c = b[3]; c <= b[4]; ++c) {
                    if (need(at + 1)) {
                        return more(at + 1);
                    }
                    if (b[at] > 12) {
                        return complete(2);
                    }
                    at += 1 + y * b[at];
                }
                return fixed(at);
            }
            case 'D':
                for (std::size_t i = 2; i < size; ++i) {
                    if (b[i] == kNul) {
                        return complete(i + 1);
                    }
                    if (i - 2 >= kMaxTabs) {
                        return complete(i);
                    }
                }
                return more(size + 1);
            case '(': {
                if (need(5)) {
                    return more(5);
                }
                return with_data(5, b[3] + (std::size_t{b[4]} << 8U));
            }
            default:
                return complete(2);
        }
    }
    if (c0 == kFs) {
        switch (c1) {
            case '&':
            case '.':
                return complete(2);
            case '!':
            case '-':
            case 'C':
            case 'W':
                return fixed(3);
            case 'S':
            case '?':
            case 'p':
                return fixed(4);
            case '2':
                return fixed(4 + 72);
            case '(': {
                if (need(5)) {
                    return more(5);
                }
                return with_data(5, b[3] + (std::size_t{b[4]} << 8U));
            }
            default:
                return complete(2);
        }
    }
    // GS
    switch (c1) {
        case ':':
            return complete(2);
        case '!':
        case '/':
        case 'B':
        case 'E':
        case 'H':
        case 'I':
        case 'T':
        case 'a':
        case 'b':
        case 'f':
        case 'h':
        case 'j':
        case 'r':
        case 'w':
            return fixed(3);
        case '$':
        case 'L':
        case 'P':
        case 'W':
        case '\\':
            return fixed(4);
        case '^':
            return fixed(5);
        case 'V': {
            if (need(3)) {
                return more(3);
            }
            switch (b[2]) {
                case 65:
                case 66:
                case 97:
                case 98:
                case 103:
                case 104:
                    return fixed(4);
                default:
                    return complete(3);
            }
        }
        case '*': {
            if (need(4)) {
                return more(4);
            }
            return with_data(4, std::size_t{b[2]} * b[3] * 8);
        }
        case '(': {
            if (need(5)) {
                return more(5);
            }
            return with_data(5, b[3] + (std::size_t{b[4]} << 8U));
        }
        case 'v':
        case 'Q': {
            if (need(3)) {
                return more(3);
            }
            if (b[2] != '0') {
                return complete(2);
            }
            if (need(8)) {
                return more(8);
            }
            const std::size_t x = b[4] + (std::size_t{b[5]} << 8U);
            const std::size_t y = b[6] + (std::size_t{b[7]} << 8U);
            return with_data(8, x * y);
        }
        case 'g': {
            if (need(3)) {
                return more(3);
            }
            return b[2] == '0' || b[2] == '2' ? fixed(6) : complete(2);
        }
        case 'k': {
            if (need(3)) {
                return more(3);
            }
            const std::uint8_t m = b[2];
            if (m <= 6) {
                for (std::size_t i = 3; i < size; ++i) {
                    if (b[i] == kNul) {
                        return complete(i + 1);
                    }
                    if (!valid_nul_barcode_char(m, b[i]) || i - 3 >= kMaxNulData) {
                        return complete(i);  // ends the command; the byte is processed anew
                    }
                }
                return more(size + 1);
            }
            if (in(m, 65, 79)) {
                if (need(4)) {
                    return more(4);
                }
                return fixed(4 + std::size_t{b[3]});
            }
            return complete(3);
        }
        case '8': {
            if (need(3)) {
                return more(3);
            }
            if (b[2] != 'L') {
                return complete(2);
            }
            if (need(7)) {
                return more(7);
            }
            const std::size_t p = b[3] + (std::size_t{b[4]} << 8U) + (std::size_t{b[5]} << 16U) +
                                  (std::size_t{b[6]} << 24U);
            return with_data(7, p);
        }
        default:
            return complete(2);
    }
}

bool is_realtime(std::span<const std::uint8_t> cmd) {
    return cmd.size() >= 3 && cmd[0] == kDle &&
           (cmd[1] == kEot || cmd[1] == kEnq || cmd[1] == kDc4);
}

std::string describe(std::span<const std::uint8_t> cmd) {
    std::string out;
    switch (cmd[0]) {
        case kEsc:
            out = "ESC";
            break;
        case kGs:
            out = "GS";
            break;
        case kFs:
            out = "FS";
            break;
        case kDle:
            out = "DLE";
            break;
        default:
            return fmt::format("byte 0x{:02X}", cmd[0]);
    }
    for (std::size_t i = 1; i < std::min<std::size_t>(cmd.size(), 4); ++i) {
        const auto c = cmd[i];
        out += c > 0x20 && c < 0x7F ? fmt::format(" {}", static_cast<char>(c))
                                    : fmt::format(" 0x{:02X}", c);
    }
    return out;
}

// ---- Character decoding -------------------------------------------------------------------

class Iconv {
public:
    explicit Iconv(const char* from) : cd_(::iconv_open("UTF-32LE", from)) {}
    Iconv(const Iconv&) = delete;
    Iconv& operator=(const Iconv&) = delete;
    ~Iconv() {
        if (ok()) {
            ::iconv_close(cd_);
        }
    }
    [[nodiscard]] bool ok() const { return reinterpret_cast<std::intptr_t>(cd_) != -1; }

    // One character, or U+FFFD.
    char32_t decode(std::span<const std::uint8_t> bytes) {
        if (!ok()) {
            return U'\uFFFD';
        }
        std::array<char, 4> input{};
        std::ranges::copy(bytes.first(std::min<std::size_t>(bytes.size(), 4)),
                          reinterpret_cast<std::uint8_t*>(input.data()));
        std::array<char, 16> output{};
        char* in_ptr = input.data();
        std::size_t in_left = std::min<std::size_t>(bytes.size(), 4);
        char* out_ptr = output.data();
        std::size_t out_left = output.size();
        ::iconv(cd_, nullptr, nullptr, nullptr, nullptr);
        const auto result = ::iconv(cd_, &in_ptr, &in_left, &out_ptr, &out_left);
        if (result == static_cast<std::size_t>(-1) || in_left != 0 || out_left != 12) {
            return U'\uFFFD';
        }
        const auto* u = reinterpret_cast<const std::uint8_t*>(output.data());
        return static_cast<char32_t>(u[0] | (u[1] << 8U) | (u[2] << 16U) |
                                     (static_cast<std::uint32_t>(u[3]) << 24U));
    }

private:
    iconv_t cd_;
};

const char* code_page_name(int n) {
    switch (n) {
        case 0:
            return "CP437";
        case 2:
            return "CP850";
        case 3:
            return "CP860";
        case 16:
            return "CP1252";
        case 17:
            return "CP866";
        case 19:
            return "CP858";
        default:
            return nullptr;
    }
}

struct Settings {
    Align align = Align::left;
    TextStyle style;
    int line_spacing = kDefaultLineSpacing;
    int code_page = 0;
    bool kanji = false;
    int hri_position = 0;
    bool hri_font_b = false;
    int bar_height = kDefaultBarHeight;
    int bar_width = kDefaultBarWidth;
    int qr_model = 2;
    int qr_module = 3;
    QrErrorCorrection qr_level = QrErrorCorrection::L;
    std::string qr_data;
};

}  // namespace

struct Interpreter::Impl {
    explicit Impl(InterpreterOptions o) : options(std::move(o)), gb18030("GB18030") {
        settings.kanji = options.kanji_at_power_on;
        frame_kanji = settings.kanji;
    }

    InterpreterOptions options;

    // Framing.
    std::vector<std::uint8_t> pending;  // an incomplete command
    std::size_t need = 0;               // bytes `pending` must reach before framing again
    std::size_t skip = 0;               // bytes of an oversized command still to discard
    bool frame_kanji = false;

    // The receive buffer: commands waiting while the printer is offline.
    std::vector<std::uint8_t> held;
    std::size_t held_read = 0;
    std::deque<std::size_t> held_sizes;
    bool overflow_logged = false;

    // The printer.
    PrinterState state;
    std::optional<int> roll;
    std::uint8_t asb = 0;
    Settings settings;
    TextLine line;
    int line_x = 0;
    bool line_started = false;
    Page page;
    bool truncation_logged = false;
    std::deque<Page> pages;
    Counters counters;
    std::deque<std::string> log_lines;
    std::vector<std::uint8_t> output;

    Iconv gb18030;
    std::map<int, std::array<char32_t, 128>> code_pages;

    // ---- Log ----------------------------------------------------------------------------

    void note(std::string text) {
        if (options.on_log) {
            options.on_log(text);
        }
        if (options.max_log_lines == 0) {
            return;
        }
        if (log_lines.size() >= options.max_log_lines) {
            log_lines.pop_front();
        }
        log_lines.push_back(std::move(text));
    }

    // ---- Status ------------------------------------------------------------------------------

    [[nodiscard]] bool is_offline() const {
        return state.cover_open || state.paper == Paper::out || state.cutter_error ||
               !state.online_switch;
    }

    [[nodiscard]] std::uint8_t status(int n) const {
        const bool out = state.paper == Paper::out;
        const bool low = state.paper != Paper::ok;
        switch (n) {
            case 1:
                return 0x12 | (is_offline() ? 0x08 : 0x00);
            case 2:
                return 0x12 | (state.cover_open ? 0x04 : 0x00) | (out ? 0x20 : 0x00) |
                       (state.cutter_error ? 0x40 : 0x00);
            case 3:
                return 0x12 | (state.cutter_error ? 0x08 : 0x00);
            case 4:
                return 0x12 | (low ? 0x0C : 0x00) | (out ? 0x60 : 0x00);
            default:
                return 0;
        }
    }

    [[nodiscard]] std::array<std::uint8_t, 4> asb_frame() const {
        const bool out = state.paper == Paper::out;
        const bool low = state.paper != Paper::ok;
        return {static_cast<std::uint8_t>(0x10 | (is_offline() ? 0x08 : 0x00) |
                                          (state.cover_open ? 0x20 : 0x00)),
                static_cast<std::uint8_t>(state.cutter_error ? 0x08 : 0x00),
                static_cast<std::uint8_t>((low ? 0x03 : 0x00) | (out ? 0x0C : 0x00)), 0x00};
    }

    void send_asb() {
        const auto frame = asb_frame();
        output.insert(output.end(), frame.begin(), frame.end());
        ++counters.asb_frames;
    }

    // Runs a state change: an ASB frame when an enabled item changed, then printing resumes if
    // it can.
    template <typename Change>
    void change_state(Change&& apply) {
        const auto before = asb_frame();
        std::forward<Change>(apply)();
        const auto after = asb_frame();
        // The bits each GS a item covers: drawer, online/offline, error, roll paper.
        std::array<std::uint8_t, 4> watched{};
        if ((asb & 0x01) != 0) {
            watched[0] |= 0x04;
        }
        if ((asb & 0x02) != 0) {
            watched[0] |= 0x68;
            watched[1] |= 0x01;
        }
        if ((asb & 0x04) != 0) {
            watched[1] |= 0x6C;
        }
        if ((asb & 0x08) != 0) {
            watched[2] |= 0x0F;
        }
        for (std::size_t i = 0; i < 4; ++i) {
            if (((before.at(i) ^ after.at(i)) & watched.at(i)) != 0) {
                send_asb();
                break;
            }
        }
        resume();
    }

    void go_paper_out(std::string_view why) {
        change_state([this] { state.paper = Paper::out; });
        note(fmt::format("paper out: {}", why));
    }

    // ---- Receiving -------------------------------------------------------------------------

    void feed(std::span<const std::uint8_t> bytes) {
        counters.bytes_received += bytes.size();
        consume(bytes);
    }

    void consume(std::span<const std::uint8_t> bytes) {
        std::size_t at = 0;
        while (at < bytes.size()) {
            if (skip > 0) {
                const auto take = std::min(skip, bytes.size() - at);
                skip -= take;
                at += take;
                counters.skipped_bytes += take;
                continue;
            }
            if (!pending.empty()) {
                const auto take = std::min(need - pending.size(), bytes.size() - at);
                pending.insert(pending.end(), bytes.begin() + static_cast<std::ptrdiff_t>(at),
                               bytes.begin() + static_cast<std::ptrdiff_t>(at + take));
                at += take;
                if (pending.size() < need) {
                    return;
                }
                const auto f = frame(pending, frame_kanji, options.max_image_bytes);
                if (f.status == Frame::Status::more) {
                    need = f.size;
                    continue;
                }
                auto whole = std::exchange(pending, {});
                if (f.status == Frame::Status::oversized) {
                    oversized(whole, f.size);
                    skip = f.size - whole.size();
                    counters.skipped_bytes += whole.size();
                    continue;
                }
                dispatch(std::span(whole).first(f.size));
                if (f.size < whole.size()) {
                    consume(std::span(whole).subspan(f.size));
                }
                continue;
            }
            const auto rest = bytes.subspan(at);
            const auto f = frame(rest, frame_kanji, options.max_image_bytes);
            switch (f.status) {
                case Frame::Status::complete:
                    dispatch(rest.first(f.size));
                    at += f.size;
                    break;
                case Frame::Status::more:
                    pending.assign(rest.begin(), rest.end());
                    need = f.size;
                    at = bytes.size();
                    break;
                case Frame::Status::oversized:
                    oversized(rest, f.size);
                    skip = f.size;  // consumed by the loop, this chunk's bytes first
                    break;
            }
        }
    }

    void oversized(std::span<const std::uint8_t> head, std::size_t total) {
        ++counters.errors;
        note(fmt::format("{}: {} bytes is more than the emulator keeps; skipped", describe(head),
                         total));
    }

    void dispatch(std::span<const std::uint8_t> cmd) {
        if (is_realtime(cmd)) {
            realtime(cmd);
            return;
        }
        // Framing follows the stream's own Kanji mode, ahead of execution while printing waits.
        if (cmd.size() == 2 && cmd[0] == kFs && (cmd[1] == '&' || cmd[1] == '.')) {
            frame_kanji = cmd[1] == '&';
        } else if (cmd.size() == 2 && cmd[0] == kEsc && cmd[1] == '@') {
            frame_kanji = options.kanji_at_power_on;
        }
        if (held_sizes.empty() && !is_offline() && execute(cmd)) {
            return;
        }
        hold(cmd);
    }

    void hold(std::span<const std::uint8_t> cmd) {
        if (buffered() + cmd.size() > options.max_buffered_bytes) {
            counters.dropped_bytes += cmd.size();
            if (!overflow_logged) {
                note("receive buffer full: data dropped");
                overflow_logged = true;
            }
            return;
        }
        if (held_read > 0 && held_read * 2 > held.size()) {
            held.erase(held.begin(), held.begin() + static_cast<std::ptrdiff_t>(held_read));
            held_read = 0;
        }
        held.insert(held.end(), cmd.begin(), cmd.end());
        held_sizes.push_back(cmd.size());
    }

    [[nodiscard]] std::size_t buffered() const { return held.size() - held_read; }

    void clear_held() {
        held.clear();
        held_read = 0;
        held_sizes.clear();
    }

    // Prints what waits in the receive buffer, until it is empty or printing stops again.
    void resume() {
        if (held_sizes.empty() || is_offline()) {
            return;
        }
        if (!page.blocks.empty() || line_started) {
            page.interrupted = true;
        }
        while (!held_sizes.empty() && !is_offline()) {
            const auto size = held_sizes.front();
            // A copy: executing may hold more commands, which moves the buffer.
            const std::vector<std::uint8_t> cmd(
                held.begin() + static_cast<std::ptrdiff_t>(held_read),
                held.begin() + static_cast<std::ptrdiff_t>(held_read + size));
            if (!execute(cmd)) {
                break;
            }
            held_sizes.pop_front();
            held_read += size;
        }
        if (held_sizes.empty()) {
            clear_held();
            overflow_logged = false;
        }
    }

    void realtime(std::span<const std::uint8_t> cmd) {
        ++counters.commands;
        const std::uint8_t n = cmd[2];
        if (cmd[1] == kEot) {
            if (n >= 1 && n <= 4 && cmd.size() == 3) {
                output.push_back(status(n));
                ++counters.status_replies;
            } else {
                ++counters.ignored;
                note(fmt::format("{}: not emulated", describe(cmd)));
            }
            return;
        }
        if (cmd[1] == kEnq) {
            if ((n == 1 || n == 2) && state.cutter_error) {
                if (n == 2) {
                    clear_held();
                    line = {};
                    line_x = 0;
                    line_started = false;
                    frame_kanji = settings.kanji;
                }
                note(fmt::format("recovered from the cutter error (DLE ENQ {})", n));
                change_state([this] { state.cutter_error = false; });
            }
            return;
        }
        ++counters.ignored;  // DLE DC4: pulses, power-off, buffer clearing
        note(fmt::format("{}: not emulated", describe(cmd)));
    }

    // ---- Executing ---------------------------------------------------------------------------

    // Runs one command. False: it needs paper that ran out, and must run again after a refill.
    bool execute(std::span<const std::uint8_t> cmd) {
        const std::uint8_t c0 = cmd[0];
        bool done = true;
        if (c0 >= 0x20) {
            done = character(cmd);
        } else if (c0 == kEsc) {
            done = esc(cmd);
        } else if (c0 == kGs) {
            done = gs(cmd);
        } else if (c0 == kFs) {
            done = fs(cmd);
        } else {
            done = control(cmd);
        }
        if (done) {
            ++counters.commands;
        }
        return done;
    }

    void unknown(std::span<const std::uint8_t> cmd) {
        ++counters.unknown;
        note(fmt::format("{}: unknown command, {} byte{} skipped", describe(cmd), cmd.size(),
                         cmd.size() == 1 ? "" : "s"));
    }

    void ignored(std::span<const std::uint8_t> cmd) {
        ++counters.ignored;
        note(fmt::format("{}: not emulated, {} bytes skipped", describe(cmd), cmd.size()));
    }

    void refuse(std::span<const std::uint8_t> cmd, std::string_view why) {
        ++counters.errors;
        note(fmt::format("{}: {}", describe(cmd), why));
    }

    bool control(std::span<const std::uint8_t> cmd) {
        switch (cmd[0]) {
            case kLf:
                return print_line(std::nullopt);
            case kHt:
                return tab();
            case kCan:
                // Page mode's "cancel print data", applied to the line not printed yet (there is
                // no page mode here).
                line = {};
                line_x = 0;
                line_started = false;
                return true;
            case kCr:   // ignored with auto line feed off
            case kFf:   // page mode only
            case kNul:  // padding
                return true;
            default:
                unknown(cmd);
                return true;
        }
    }

    [[nodiscard]] std::u32string decode(std::span<const std::uint8_t> bytes, bool& wide) {
        wide = bytes.size() > 1;
        if (bytes.size() > 1) {
            return {gb18030.decode(bytes)};
        }
        const std::uint8_t c = bytes[0];
        if (c < 0x80) {
            return {static_cast<char32_t>(c)};
        }
        if (settings.kanji) {
            return {U'?'};  // an invalid lead byte
        }
        auto it = code_pages.find(settings.code_page);
        if (it == code_pages.end()) {
            std::array<char32_t, 128> table{};
            const char* name = code_page_name(settings.code_page);
            Iconv converter(name != nullptr ? name : "CP437");
            for (std::size_t i = 0; i < table.size(); ++i) {
                const std::array<std::uint8_t, 1> byte{static_cast<std::uint8_t>(0x80 + i)};
                table.at(i) = name != nullptr ? converter.decode(byte) : U'?';
            }
            it = code_pages.emplace(settings.code_page, table).first;
        }
        return {it->second.at(c - 0x80U)};
    }

    [[nodiscard]] int cell_width(const TextStyle& style) const {
        return (style.wide ? 24 : (style.font_b ? 9 : 12)) * style.width;
    }
    [[nodiscard]] static int cell_height(const TextStyle& style) {
        return (style.wide ? 24 : (style.font_b ? 17 : 24)) * style.height;
    }

    bool character(std::span<const std::uint8_t> cmd) {
        bool wide = false;
        const auto text = decode(cmd, wide);
        TextStyle style = settings.style;
        style.wide = wide;
        return add_char(text.front(), style);
    }

    bool add_char(char32_t c, const TextStyle& style) {
        const int w = cell_width(style);
        if (line_x + w > options.width && line_started) {
            if (!print_line(std::nullopt)) {  // the line is full: it prints, the text goes on
                return false;
            }
        }
        if (!line_started) {
            line.align = settings.align;
            line_started = true;
        }
        if (line.runs.empty() || line.runs.back().style != style) {
            line.runs.push_back({style, {}});
        }
        line.runs.back().text += c;
        line_x += w;
        line.width = line_x;
        line.height = std::max(line.height, cell_height(style));
        return true;
    }

    bool tab() {
        const int next = (line_x / kTabDots + 1) * kTabDots;
        if (next > options.width) {
            return true;
        }
        TextStyle style = settings.style;
        style.wide = false;
        style.underline = 0;
        while (line_x < next) {
            if (!add_char(U' ', style)) {
                return false;
            }
        }
        return true;
    }

    // Prints the line buffer. advance: the paper feed for the line; empty: the line spacing
    // (or the line's height when taller). A line printed with nothing in it is an empty line.
    bool print_line(std::optional<int> advance) {
        TextLine printed = line;
        printed.advance = advance ? *advance : std::max(settings.line_spacing, line.height);
        if (!line_started) {
            printed.align = settings.align;
        }
        if (!place(printed)) {
            return false;
        }
        ++counters.lines;
        line = {};
        line_x = 0;
        line_started = false;
        return true;
    }

    // Prints pending text before a symbol or image, which starts on a line of its own.
    bool flush_line(std::span<const std::uint8_t> cmd) {
        if (!line_started) {
            return true;
        }
        note(fmt::format("{} not at the beginning of a line: the pending text printed first",
                         describe(cmd)));
        return print_line(std::nullopt);
    }

    // Puts a block on the page. False when the roll runs out before it.
    bool place(Block block) {
        const int height = block_height(block);
        if (roll && *roll < height) {
            roll = 0;
            go_paper_out("the roll ran out");
            return false;
        }
        if (roll) {
            *roll -= height;
        }
        if (page.height + height > options.max_page_height) {
            page.truncated = true;
            ++counters.truncated_blocks;
            if (!truncation_logged) {
                note(fmt::format("page longer than {} dots: the rest is dropped until the next cut",
                                 options.max_page_height));
                truncation_logged = true;
            }
            return true;
        }
        page.height += height;
        page.blocks.push_back(std::move(block));
        return true;
    }

    bool feed_dots(int dots) { return dots <= 0 || place(Feed{dots}); }

    bool cut(Cut kind, int feed) {
        if (line_started && !print_line(std::nullopt)) {
            return false;
        }
        if (!feed_dots(feed)) {
            return false;
        }
        page.cut = kind;
        pages.push_back(std::exchange(page, {}));
        truncation_logged = false;
        ++counters.pages;
        while (pages.size() > options.max_kept_pages) {
            pages.pop_front();
            ++counters.discarded_pages;
        }
        return true;
    }

    void reset() {
        settings = {};
        settings.kanji = options.kanji_at_power_on;
        line = {};
        line_x = 0;
        line_started = false;
        asb = 0;
    }

    bool esc(std::span<const std::uint8_t> cmd) {
        const std::uint8_t n = cmd.size() > 2 ? cmd[2] : 0;
        switch (cmd[1]) {
            case '@':
                reset();
                return true;
            case 'a':
                if (line_started) {
                    return true;  // effective only at the beginning of a line
                }
                if (const auto align = selector(n, 2)) {
                    settings.align = static_cast<Align>(*align);
                } else {
                    refuse(cmd, "alignment out of range");
                }
                return true;
            case 'E':
            case 'G':
                settings.style.bold = (n & 1U) != 0;
                return true;
            case '-':
                if (const auto dots = selector(n, 2)) {
                    settings.style.underline = *dots;
                } else {
                    refuse(cmd, "underline out of range");
                }
                return true;
            case '!':
                settings.style.font_b = (n & 0x01U) != 0;
                settings.style.bold = (n & 0x08U) != 0;
                settings.style.height = (n & 0x10U) != 0 ? 2 : 1;
                settings.style.width = (n & 0x20U) != 0 ? 2 : 1;
                settings.style.underline = (n & 0x80U) != 0 ? 1 : 0;
                return true;
            case 'M':
                settings.style.font_b = selector(n, 1) == 1;
                return true;
            case 't':
                settings.code_page = n;
                if (code_page_name(n) == nullptr) {
                    note(fmt::format(
                        "ESC t {}: code page not emulated, bytes 0x80..0xFF print as ?", n));
                }
                return true;
            case '2':
                settings.line_spacing = kDefaultLineSpacing;
                return true;
            case '3':
                settings.line_spacing = n;
                return true;
            case 'd': {
                const int spacing = settings.line_spacing;
                if (!line_started) {
                    return feed_dots(n * spacing);
                }
                if (n == 0) {
                    return print_line(line.height);
                }
                const int advance = std::max(spacing, line.height) + (n - 1) * spacing;
                return print_line(advance);
            }
            case 'J':
                if (!line_started) {
                    return feed_dots(n);
                }
                return print_line(std::max<int>(n, line.height));
            case 'D':  // tab positions: the default every 8 characters is kept
            case ' ':
            case '%':
            case '=':
            case '?':
            case 'K':
            case 'R':
            case 'T':
            case 'U':
            case 'V':
            case 'e':
            case 'r':
            case 'u':
            case '{':
            case '$':
            case '\\':
            case 'c':
            case 'p':
            case 'W':
            case '*':
            case '&':
            case '(':
            case '<':
            case 'L':
            case 'S':
            case 'i':
            case 'm':
            case 'v':
            case kFf:
                ignored(cmd);
                return true;
            default:
                unknown(cmd);
                return true;
        }
    }

    bool fs(std::span<const std::uint8_t> cmd) {
        switch (cmd[1]) {
            case '&':
                settings.kanji = true;
                return true;
            case '.':
                settings.kanji = false;
                return true;
            case 'C':  // the code system: GB18030 is the only one emulated
            case '!':
            case '-':
            case 'W':
            case 'S':
            case '?':
            case 'p':
            case '2':
            case '(':
                ignored(cmd);
                return true;
            default:
                unknown(cmd);
                return true;
        }
    }

    bool gs(std::span<const std::uint8_t> cmd) {
        const std::uint8_t n = cmd.size() > 2 ? cmd[2] : 0;
        switch (cmd[1]) {
            case '!': {
                const int width = (n >> 4) + 1;
                const int height = (n & 0x0F) + 1;
                if (width > 8 || height > 8) {
                    refuse(cmd, "character size out of range");
                    return true;
                }
                settings.style.width = width;
                settings.style.height = height;
                return true;
            }
            case 'h':
                if (n == 0) {
                    refuse(cmd, "barcode height 0");
                } else {
                    settings.bar_height = n;
                }
                return true;
            case 'w':
                if (n >= 1 && n <= 6) {
                    settings.bar_width = n;
                } else {
                    refuse(cmd, "barcode module width out of range");
                }
                return true;
            case 'H':
                if (const auto position = selector(n, 3)) {
                    settings.hri_position = *position;
                } else {
                    refuse(cmd, "HRI position out of range");
                }
                return true;
            case 'f':
                settings.hri_font_b = selector(n, 1) == 1;
                return true;
            case 'k':
                return barcode(cmd);
            case '(':
                if (cmd[2] == 'k') {
                    return symbol(cmd);
                }
                ignored(cmd);
                return true;
            case 'v':
            case 'Q':
                if (cmd.size() < 8) {
                    unknown(cmd);
                    return true;
                }
                if (cmd[1] == 'v') {
                    return raster(cmd);
                }
                ignored(cmd);
                return true;
            case 'V':
                return gs_cut(cmd);
            case 'a':
                asb = n & 0x0FU;
                if (asb != 0) {
                    send_asb();
                }
                return true;
            case 'r':
                if (n == 1 || n == 49) {
                    const bool low = state.paper != Paper::ok;
                    const bool out = state.paper == Paper::out;
                    output.push_back(
                        static_cast<std::uint8_t>((low ? 0x03 : 0) | (out ? 0x0C : 0)));
                    ++counters.status_replies;
                } else if (n == 2 || n == 50) {
                    output.push_back(0x00);  // drawer kick-out connector pin 3 low
                    ++counters.status_replies;
                } else {
                    ignored(cmd);
                }
                return true;
            case 'I':
                printer_id(cmd);
                return true;
            case ':':
            case '/':
            case 'B':
            case 'E':
            case 'T':
            case 'b':
            case 'j':
            case '$':
            case 'L':
            case 'P':
            case 'W':
            case '\\':
            case '^':
            case '*':
            case 'g':
            case '8':
                ignored(cmd);
                return true;
            default:
                unknown(cmd);
                return true;
        }
    }

    void printer_id(std::span<const std::uint8_t> cmd) {
        const std::uint8_t n = cmd[2];
        const auto reply_text = [this](std::string_view text) {
            output.push_back(0x5F);
            output.insert(output.end(), text.begin(), text.end());
            output.push_back(kNul);
        };
        switch (n) {
            case 1:
            case 49:
                output.push_back(0x20);  // model id
                break;
            case 2:
            case 50:
                output.push_back(0x03);  // multi-byte characters, autocutter
                break;
            case 3:
            case 51:
                output.push_back(0x10);  // firmware version id
                break;
            case 65:
                reply_text("1.00 ESC/POS");
                break;
            case 66:
                reply_text("HALLKEEPER");
                break;
            case 67:
                reply_text(options.width == kWidth58mm ? "EMULATOR-58" : "EMULATOR-80");
                break;
            case 68:
                reply_text("0000000001");
                break;
            case 69:
                reply_text("CHINA GB18030");
                break;
            default:
                ignored(cmd);
                return;
        }
        ++counters.status_replies;
    }

    [[nodiscard]] bool fits(int width) const { return width <= options.width; }

    bool barcode(std::span<const std::uint8_t> cmd) {
        const std::uint8_t m = cmd[2];
        std::span<const std::uint8_t> data;
        Symbology symbology{};
        if (m <= 6) {
            if (cmd.size() < 4 || cmd.back() != kNul) {
                refuse(cmd, "barcode data has a character the symbology does not allow");
                return true;
            }
            data = cmd.subspan(3, cmd.size() - 4);
            constexpr std::array<Symbology, 7> kLegacy = {
                Symbology::upc_a,  Symbology::upc_e, Symbology::ean13,  Symbology::ean8,
                Symbology::code39, Symbology::itf,   Symbology::codabar};
            symbology = kLegacy.at(m);
        } else if (m >= 65 && m <= 73) {
            data = cmd.subspan(4);
            constexpr std::array<Symbology, 9> kLengthForm = {
                Symbology::upc_a,   Symbology::upc_e,  Symbology::ean13,
                Symbology::ean8,    Symbology::code39, Symbology::itf,
                Symbology::codabar, Symbology::code93, Symbology::code128};
            symbology = kLengthForm.at(m - 65U);
        } else {
            if (m >= 74 && m <= 79) {
                ignored(cmd);
            } else {
                unknown(cmd);
            }
            return true;
        }
        auto pattern = encode_barcode(symbology, data);
        if (!pattern) {
            refuse(cmd, pattern.error());
            return true;
        }
        Barcode code{.align = settings.align,
                     .symbology = symbology,
                     .data = std::string(data.begin(), data.end()),
                     .hri = pattern->hri,
                     .height = settings.bar_height,
                     .hri_position = settings.hri_position,
                     .hri_font_b = settings.hri_font_b,
                     .bars = bars_in_dots(*pattern, settings.bar_width)};
        if (!fits(code.width())) {
            refuse(cmd, fmt::format("barcode {} dots wide does not fit {} dots", code.width(),
                                    options.width));
            return true;
        }
        if (!flush_line(cmd) || !place(std::move(code))) {
            return false;
        }
        ++counters.symbols;
        return true;
    }

    // GS ( k: 2D symbols; QR (cn = 49) is emulated.
    bool symbol(std::span<const std::uint8_t> cmd) {
        const auto params = cmd.subspan(5);
        if (params.size() < 3 || params[0] != 49) {
            ignored(cmd);
            return true;
        }
        const std::uint8_t fn = params[1];
        const std::uint8_t n = params[2];
        switch (fn) {
            case 65:
                if (n >= 49 && n <= 51) {
                    settings.qr_model = n - 48;
                } else {
                    refuse(cmd, "QR model out of range");
                }
                return true;
            case 67:
                if (n >= 1 && n <= 16) {
                    settings.qr_module = n;
                } else {
                    refuse(cmd, "QR module size out of range");
                }
                return true;
            case 69:
                if (n >= 48 && n <= 51) {
                    settings.qr_level = static_cast<QrErrorCorrection>(n - 48);
                } else {
                    refuse(cmd, "QR error correction level out of range");
                }
                return true;
            case 80:
                settings.qr_data.assign(params.begin() + 3, params.end());
                return true;
            case 81:
                return print_qr(cmd);
            default:
                ignored(cmd);
                return true;
        }
    }

    bool print_qr(std::span<const std::uint8_t> cmd) {
        auto matrix = encode_qr(settings.qr_data, settings.qr_level, settings.qr_model);
        if (!matrix) {
            refuse(cmd, matrix.error());
            return true;
        }
        if (settings.qr_model == 1) {
            note("QR model 1 requested: drawn as model 2");
        }
        QrSymbol qr{.align = settings.align,
                    .data = settings.qr_data,
                    .model = settings.qr_model,
                    .error_correction = settings.qr_level,
                    .module_size = settings.qr_module,
                    .modules = matrix->modules,
                    .cells = std::move(matrix->cells)};
        if (!fits(qr.modules * qr.module_size)) {
            refuse(cmd, "QR symbol wider than the print area");
            return true;
        }
        if (!flush_line(cmd) || !place(std::move(qr))) {
            return false;
        }
        ++counters.symbols;
        return true;
    }

    bool raster(std::span<const std::uint8_t> cmd) {
        const auto mode = selector(cmd[3], 3);
        const int x = cmd[4] + (cmd[5] << 8U);
        const int y = cmd[6] + (cmd[7] << 8U);
        if (!mode) {
            refuse(cmd, "raster mode out of range");
            return true;
        }
        if (x == 0 || y == 0) {
            return true;
        }
        RasterImage image{.align = settings.align,
                          .width = x * 8,
                          .height = y,
                          .scale_x = (*mode & 1) != 0 ? 2 : 1,
                          .scale_y = (*mode & 2) != 0 ? 2 : 1,
                          .bits = std::vector<std::uint8_t>(cmd.begin() + 8, cmd.end())};
        if (!flush_line(cmd) || !place(std::move(image))) {
            return false;
        }
        ++counters.images;
        return true;
    }

    bool gs_cut(std::span<const std::uint8_t> cmd) {
        const std::uint8_t m = cmd[2];
        const int feed = cmd.size() > 3 ? cmd[3] : 0;
        switch (m) {
            case 0:
            case 48:
                return cut(Cut::full, 0);
            case 1:
            case 49:
                return cut(Cut::partial, 0);
            case 65:
            case 97:
            case 103:
                return cut(Cut::full, feed);
            case 66:
            case 98:
            case 104:
                return cut(Cut::partial, feed);
            default:
                refuse(cmd, "cut mode out of range");
                return true;
        }
    }
};

Interpreter::Interpreter(InterpreterOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}
Interpreter::Interpreter(Interpreter&&) noexcept = default;
Interpreter& Interpreter::operator=(Interpreter&&) noexcept = default;
Interpreter::~Interpreter() = default;

void Interpreter::feed(std::span<const std::uint8_t> bytes) {
    impl_->feed(bytes);
}
void Interpreter::feed(std::string_view bytes) {
    impl_->feed(std::span(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
}

std::vector<std::uint8_t> Interpreter::take_output() {
    return std::exchange(impl_->output, {});
}

void Interpreter::set_paper(Paper paper) {
    if (impl_->state.paper == paper) {
        return;
    }
    if (impl_->state.paper == Paper::out) {
        impl_->roll.reset();  // a new roll
    }
    impl_->change_state([&] { impl_->state.paper = paper; });
}

void Interpreter::set_cover_open(bool open) {
    impl_->change_state([&] { impl_->state.cover_open = open; });
}

void Interpreter::set_cutter_error(bool error) {
    impl_->change_state([&] { impl_->state.cutter_error = error; });
}

void Interpreter::set_online(bool online) {
    impl_->change_state([&] { impl_->state.online_switch = online; });
}

void Interpreter::set_roll_remaining(std::optional<int> dots) {
    impl_->roll = dots;
    if (dots && *dots <= 0) {
        impl_->roll = 0;
        impl_->go_paper_out("the roll was set empty");
    }
}

const PrinterState& Interpreter::state() const {
    return impl_->state;
}
bool Interpreter::offline() const {
    return impl_->is_offline();
}
std::size_t Interpreter::buffered_bytes() const {
    return impl_->buffered();
}
std::uint8_t Interpreter::asb_mask() const {
    return impl_->asb;
}
std::uint8_t Interpreter::realtime_status(int n) const {
    return impl_->status(n);
}
std::array<std::uint8_t, 4> Interpreter::asb_frame() const {
    return impl_->asb_frame();
}
const std::deque<Page>& Interpreter::pages() const {
    return impl_->pages;
}

std::vector<Page> Interpreter::take_pages() {
    std::vector<Page> out(std::make_move_iterator(impl_->pages.begin()),
                          std::make_move_iterator(impl_->pages.end()));
    impl_->pages.clear();
    return out;
}

const Page& Interpreter::current_page() const {
    return impl_->page;
}
const Counters& Interpreter::counters() const {
    return impl_->counters;
}
const std::deque<std::string>& Interpreter::log() const {
    return impl_->log_lines;
}
int Interpreter::width() const {
    return impl_->options.width;
}

}  // namespace hk::test::escpos
