// The operations of each device class, as interfaces a driver implements on top of `Driver`
// (driver.hpp). The daemon reaches a device's operations with `as<TicketPrinter>(driver)`;
// what the device reports unasked arrives as events (device_events.hpp), and how well it works
// as health (health.hpp).
//
// Every operation is asynchronous: it returns at once and completes through its Completion on
// the loop. A device does one thing at a time unless its class says otherwise: an operation
// started while another runs waits its turn in the driver (printers, speakers) or fails with
// device_errc::kBusy (cameras), as each interface says.
//
// Header-only, like the rest of the SDK a shared-object driver uses.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "drivers/sdk/driver.hpp"

namespace hk::drivers {

// ---- Ticket printer (取号机热敏打印机) --------------------------------------------------------

enum class Align : std::uint8_t { left, center, right };

struct PrintLine {
    std::string text;  // UTF-8; the driver encodes it for the printer (GB18030 for ESC/POS)
    Align align = Align::left;
    int scale = 1;  // character magnification 1..8 (the ticket number is printed large)
    bool bold = false;
};

struct PrintCode {
    enum class Kind : std::uint8_t { qr, code128 };
    Kind kind = Kind::qr;
    std::string data;  // ids only, never personal data
};

struct PrintJob {
    std::string id;  // unique per job: a retried job is recognised, not printed twice
    std::vector<PrintLine> lines;
    std::optional<PrintCode> code;  // printed after the lines
    bool reprint = false;           // the same ticket again: the paper says so
};

struct PrintReceipt {
    std::string job_id;
    std::int64_t printed_at_ms = 0;
    int paper_left = -1;  // tickets left on the roll, when the printer can tell; else -1
};

// Jobs are printed one at a time in the order given; "printed" means the printer confirmed it
// (paper out during a job fails the job with "paper_out"). Paper low is health: degraded with
// fault "paper_low"; paper out, cover open: faulted with "paper_out", "cover_open".
class TicketPrinter {
public:
    virtual ~TicketPrinter() = default;
    virtual void print(PrintJob job, Completion<PrintReceipt> done) = 0;
};

// ---- ID card reader (身份证读卡器) -------------------------------------------------------------

// The reader looks for cards by itself and reports CardPresented, then CardRead (or
// CardReadFailed), then CardRemoved. Nothing to call: reading is the reader's loop.
class IdCardReader {
public:
    virtual ~IdCardReader() = default;
    // Whether a card lies on the reader now.
    [[nodiscard]] virtual bool card_present() const = 0;
};

// ---- Document camera (高拍仪) ------------------------------------------------------------------

struct Image {
    int width = 0;
    int height = 0;
    std::string format;  // "jpeg", "ppm"
    std::vector<std::uint8_t> bytes;
};

struct CaptureRequest {
    // Wanted size; the nearest the camera has is used. Empty: its largest still size.
    std::optional<int> width;
    std::optional<int> height;
};

// One capture at a time: a capture while another runs fails with device_errc::kBusy.
class DocumentCamera {
public:
    virtual ~DocumentCamera() = default;
    virtual void capture(CaptureRequest request, Completion<Image> done) = 0;
};

// ---- Barcode scanner (扫码枪) ------------------------------------------------------------------

// Each scan arrives as a CodeScanned event, with the scanner's prefix and suffix removed.
class BarcodeScanner {
public:
    virtual ~BarcodeScanner() = default;
    // While disabled, scans are read and dropped (a counter's scanner during a break).
    virtual void set_enabled(bool enabled) = 0;
};

// ---- Evaluator (评价器) -------------------------------------------------------------------------

struct ServiceSession {
    std::string ticket;        // "A001"
    std::string window;        // "3"
    std::string officer_name;  // shown on the pad: an officer's name is public at the window
    std::string officer_id;    // 工号
};

// The pad's flow at a window (REQUIREMENTS.md §2): welcome when service starts ("欢迎光临"),
// then ask for a rating when it ends ("您好，请对我的服务进行评价"); the citizen's key
// arrives as RatingGiven for that ticket, or RatingTimedOut. Keys pressed outside a rating
// arrive as KeyPressed.
class Evaluator {
public:
    virtual ~Evaluator() = default;
    virtual void welcome(ServiceSession session, Completion<void> done) = 0;
    virtual void request_rating(ServiceSession session, Completion<void> done) = 0;
    // Back to the idle screen; a pending rating request is dropped without an event.
    virtual void idle(Completion<void> done) = 0;
};

// ---- Window display (窗口屏) -------------------------------------------------------------------

struct DisplayText {
    std::vector<std::string> lines;  // UTF-8; longer lines scroll or are cut by the driver
};

class WindowDisplay {
public:
    virtual ~WindowDisplay() = default;
    virtual void show(DisplayText text, Completion<void> done) = 0;
    virtual void set_brightness(int percent, Completion<void> done) = 0;  // 0..100
};

// ---- Hall screen (综合屏) ----------------------------------------------------------------------

struct BoardRow {
    std::string ticket;  // "A001"
    std::string window;  // "3"
    std::string state;   // "calling", "serving"
};

struct HallBoard {
    std::string title;
    std::vector<BoardRow> rows;  // paged by the screen if more than fit
    std::string notice;          // scrolling notice line, may be empty
};

class HallScreen {
public:
    virtual ~HallScreen() = default;
    virtual void show(HallBoard board, Completion<void> done) = 0;
};

// ---- Speaker (语音叫号) ------------------------------------------------------------------------

struct Announcement {
    std::string text;  // "请 A001 号到 3 号窗口办理"
    std::string language = "zh-CN";
    int repeat = 0;  // 0: the device's configured repeat count
};

// Announcements are spoken one at a time, in order, never overlapping; `done` runs when the
// last repetition has been spoken.
class Speaker {
public:
    virtual ~Speaker() = default;
    virtual void say(Announcement announcement, Completion<void> done) = 0;
    virtual void set_volume(int percent, Completion<void> done) = 0;  // 0..100
};

// The driver's interface of class `T`, or nullptr when it does not implement it.
template <typename T>
[[nodiscard]] T* as(Driver& driver) {
    return dynamic_cast<T*>(&driver);
}

}  // namespace hk::drivers
