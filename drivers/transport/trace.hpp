// Traffic traces: a recording decorator that writes every byte a link sends and receives, with
// its time, to a trace file, and a replay link that plays such a file back to a driver, so a
// problem seen in a hall becomes a regression test. The format (docs/transports.md) is one JSON
// object per line:
//     {"t":12,"dir":"out","hex":"1b40"}
// t: milliseconds since recording began; dir: "out" (to the device) or "in" (from it); hex:
// the bytes, lower-case hex. Blank lines and lines starting with '#' are comments.
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "drivers/transport/transport.hpp"

namespace hk::drivers::transport {

enum class Direction : std::uint8_t { out, in };

struct TraceRecord {
    std::int64_t t_ms = 0;
    Direction dir = Direction::out;
    Bytes bytes;
    friend bool operator==(const TraceRecord&, const TraceRecord&) = default;
};

struct TraceError {
    std::size_t line = 0;  // 1-based
    std::string message;
};
// "line 3: …"
[[nodiscard]] std::string to_string(const TraceError& error);

// One record as one line (without the newline).
[[nodiscard]] std::string format_record(const TraceRecord& record);
// A whole trace. Times must not go backwards; every record needs all three keys once.
[[nodiscard]] std::expected<std::vector<TraceRecord>, TraceError> parse_trace(
    std::string_view text);
// Reads and parses a trace file; a file that cannot be read is reported as line 0.
[[nodiscard]] std::expected<std::vector<TraceRecord>, TraceError> load_trace(
    const std::string& path);

// Appends records to a trace file, each line flushed as written so a crash keeps the trace.
class TraceWriter {
public:
    // Creates (truncates) `path`; the time origin is now.
    [[nodiscard]] static std::expected<std::unique_ptr<TraceWriter>, std::string> open(
        const std::string& path);
    void write(Direction dir, std::span<const std::uint8_t> bytes);

private:
    explicit TraceWriter(std::ofstream out);
    std::ofstream out_;
    std::chrono::steady_clock::time_point origin_;
};

// Records all traffic of the wrapped link into a trace; otherwise passes everything through.
class RecordingLink final : public Link {
public:
    RecordingLink(std::unique_ptr<Link> inner, std::shared_ptr<TraceWriter> writer);

private:
    void do_open(OpenHandler done) override { inner_->async_open(std::move(done)); }
    void do_read_some(std::span<std::uint8_t> into, IoHandler done) override;
    void do_write(std::span<const std::uint8_t> bytes, IoHandler done) override;
    void do_close() override { inner_->close(); }
    [[nodiscard]] std::string do_describe() const override;
    [[nodiscard]] std::string_view do_fault_for(
        const boost::system::error_code& error) const override {
        return inner_->fault_for(error);
    }

    std::unique_ptr<Link> inner_;
    std::shared_ptr<TraceWriter> writer_;
};

// What a replay found different from its trace.
struct ReplayMismatch {
    std::size_t record = 0;  // index of the expected "out" record (0-based); size() at the end
    Bytes expected;          // the rest of that record's bytes (empty past the end)
    Bytes written;           // what the driver wrote there
    [[nodiscard]] std::string describe() const;
};

struct ReplayOptions {
    // Replay time per recorded time: 1 plays at recorded pace, 0 as fast as possible.
    double time_scale = 1.0;
};

// Plays a trace back as if it were the device. A write must match the next "out" bytes of the
// trace (writes may be split or joined differently from the recording); then the "in" records
// that follow are delivered with their recorded spacing. A mismatch fails the write with
// invalid_argument (the transport sees an I/O error), is kept in mismatch() and ends the replay.
class ReplayLink final : public Link {
public:
    ReplayLink(boost::asio::io_context& io, std::vector<TraceRecord> records,
               ReplayOptions options = {}, std::string name = "replay");
    ~ReplayLink() override;

    // Every record played and every expected write seen.
    [[nodiscard]] bool finished() const;
    [[nodiscard]] const std::optional<ReplayMismatch>& mismatch() const { return mismatch_; }

private:
    void do_open(OpenHandler done) override;
    void do_read_some(std::span<std::uint8_t> into, IoHandler done) override;
    void do_write(std::span<const std::uint8_t> bytes, IoHandler done) override;
    void do_close() override;
    [[nodiscard]] std::string do_describe() const override { return name_; }

    // Schedules the "in" records from the cursor on, each after its recorded gap.
    void play_inputs(std::int64_t from_ms);
    void complete_read();

    boost::asio::io_context& io_;
    std::vector<TraceRecord> records_;
    ReplayOptions options_;
    std::string name_;
    boost::asio::steady_timer timer_;
    std::size_t cursor_ = 0;       // next record to play or expect
    std::size_t out_matched_ = 0;  // bytes of records_[cursor_] (an "out") already written
    Bytes received_;               // delivered "in" bytes not yet read
    std::span<std::uint8_t> read_into_;
    IoHandler read_done_;
    bool open_ = false;
    bool opened_once_ = false;
    std::optional<ReplayMismatch> mismatch_;
    std::shared_ptr<char> alive_ = std::make_shared<char>();
};

}  // namespace hk::drivers::transport
