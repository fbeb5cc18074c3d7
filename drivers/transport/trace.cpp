// Trace format, recording and replay: see trace.hpp and docs/transports.md.
#include "drivers/transport/trace.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <iterator>
#include <sstream>
#include <utility>

#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>

namespace hk::drivers::transport {
namespace {

constexpr std::string_view kHexDigits = "0123456789abcdef";
constexpr std::size_t kMaxTimeDigits = 15;  // ~31,000 years of milliseconds; no overflow

std::string hex_of(std::span<const std::uint8_t> bytes) {
    std::string text;
    text.reserve(bytes.size() * 2);
    for (const auto byte : bytes) {
        text += kHexDigits[byte >> 4U];
        text += kHexDigits[byte & 0x0FU];
    }
    return text;
}

std::optional<std::uint8_t> hex_value(char c) {
    if (c >= '0' && c <= '9') {
        return static_cast<std::uint8_t>(c - '0');
    }
    if (c >= 'a' && c <= 'f') {
        return static_cast<std::uint8_t>(c - 'a' + 10);
    }
    if (c >= 'A' && c <= 'F') {
        return static_cast<std::uint8_t>(c - 'A' + 10);
    }
    return std::nullopt;
}

// A strict reader of one record line: an object with the keys t, dir and hex, each once.
class LineParser {
public:
    explicit LineParser(std::string_view text) : text_(text) {}

    std::expected<TraceRecord, std::string> parse() {
        TraceRecord record;
        bool seen_t = false;
        bool seen_dir = false;
        bool seen_hex = false;
        skip_space();
        if (!take('{')) {
            return std::unexpected("expected '{' at column " + column());
        }
        skip_space();
        if (!take('}')) {
            while (true) {
                skip_space();
                auto key = string_value();
                if (!key) {
                    return std::unexpected("expected a key at column " + column() + ": " +
                                           key.error());
                }
                skip_space();
                if (!take(':')) {
                    return std::unexpected("expected ':' after \"" + *key + "\" at column " +
                                           column());
                }
                skip_space();
                if (*key == "t") {
                    if (std::exchange(seen_t, true)) {
                        return std::unexpected("\"t\" given twice");
                    }
                    auto t = time_value();
                    if (!t) {
                        return std::unexpected(t.error());
                    }
                    record.t_ms = *t;
                } else if (*key == "dir") {
                    if (std::exchange(seen_dir, true)) {
                        return std::unexpected("\"dir\" given twice");
                    }
                    const auto at = column();
                    auto dir = string_value();
                    if (!dir) {
                        return std::unexpected("\"dir\" must be a string: " + dir.error());
                    }
                    if (*dir != "in" && *dir != "out") {
                        return std::unexpected("\"dir\" must be \"in\" or \"out\" (column " + at +
                                               ")");
                    }
                    record.dir = *dir == "in" ? Direction::in : Direction::out;
                } else if (*key == "hex") {
                    if (std::exchange(seen_hex, true)) {
                        return std::unexpected("\"hex\" given twice");
                    }
                    auto hex = string_value();
                    if (!hex) {
                        return std::unexpected("\"hex\" must be a string: " + hex.error());
                    }
                    auto bytes = decode_hex(*hex);
                    if (!bytes) {
                        return std::unexpected(bytes.error());
                    }
                    record.bytes = std::move(*bytes);
                } else {
                    return std::unexpected("unknown key \"" + *key + "\"");
                }
                skip_space();
                if (take('}')) {
                    break;
                }
                if (!take(',')) {
                    return std::unexpected("expected ',' or '}' at column " + column());
                }
            }
        }
        skip_space();
        if (pos_ != text_.size()) {
            return std::unexpected("unexpected text after the record at column " + column());
        }
        if (!seen_t || !seen_dir || !seen_hex) {
            return std::unexpected(std::string("missing key \"") +
                                   (!seen_t ? "t" : (!seen_dir ? "dir" : "hex")) + "\"");
        }
        return record;
    }

private:
    void skip_space() {
        while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t')) {
            ++pos_;
        }
    }
    bool take(char c) {
        if (pos_ < text_.size() && text_[pos_] == c) {
            ++pos_;
            return true;
        }
        return false;
    }
    [[nodiscard]] std::string column() const { return std::to_string(pos_ + 1); }

    // A JSON string without escapes (the format never needs them).
    std::expected<std::string, std::string> string_value() {
        if (!take('"')) {
            return std::unexpected("expected '\"'");
        }
        const auto start = pos_;
        while (pos_ < text_.size() && text_[pos_] != '"') {
            if (text_[pos_] == '\\') {
                return std::unexpected("escapes are not used in traces (column " + column() + ")");
            }
            ++pos_;
        }
        if (pos_ == text_.size()) {
            return std::unexpected("unterminated string");
        }
        std::string value(text_.substr(start, pos_ - start));
        ++pos_;
        return value;
    }

    std::expected<std::int64_t, std::string> time_value() {
        const auto start = pos_;
        std::int64_t value = 0;
        while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') {
            if (pos_ - start >= kMaxTimeDigits) {
                return std::unexpected("\"t\" is too large");
            }
            value = value * 10 + (text_[pos_] - '0');
            ++pos_;
        }
        if (pos_ == start) {
            return std::unexpected("\"t\" must be a non-negative whole number of ms (column " +
                                   column() + ")");
        }
        return value;
    }

    static std::expected<Bytes, std::string> decode_hex(std::string_view hex) {
        if (hex.size() % 2 != 0) {
            return std::unexpected("\"hex\" has an odd number of digits");
        }
        Bytes bytes;
        bytes.reserve(hex.size() / 2);
        for (std::size_t i = 0; i < hex.size(); i += 2) {
            const auto high = hex_value(hex[i]);
            const auto low = hex_value(hex[i + 1]);
            if (!high || !low) {
                return std::unexpected("\"hex\" holds a non-hex character at offset " +
                                       std::to_string(!high ? i : i + 1));
            }
            bytes.push_back(static_cast<std::uint8_t>((*high << 4U) | *low));
        }
        return bytes;
    }

    std::string_view text_;
    std::size_t pos_ = 0;
};

}  // namespace

std::string to_string(const TraceError& error) {
    return "line " + std::to_string(error.line) + ": " + error.message;
}

std::string format_record(const TraceRecord& record) {
    return "{\"t\":" + std::to_string(record.t_ms) + ",\"dir\":\"" +
           (record.dir == Direction::in ? "in" : "out") + "\",\"hex\":\"" + hex_of(record.bytes) +
           "\"}";
}

std::expected<std::vector<TraceRecord>, TraceError> parse_trace(std::string_view text) {
    std::vector<TraceRecord> records;
    std::size_t line_number = 0;
    while (!text.empty()) {
        ++line_number;
        const auto newline = text.find('\n');
        auto line = text.substr(0, newline);
        text = newline == std::string_view::npos ? std::string_view{} : text.substr(newline + 1);
        if (!line.empty() && line.back() == '\r') {
            line.remove_suffix(1);
        }
        const auto first = line.find_first_not_of(" \t");
        if (first == std::string_view::npos || line[first] == '#') {
            continue;
        }
        auto record = LineParser(line).parse();
        if (!record) {
            return std::unexpected(TraceError{line_number, record.error()});
        }
        if (!records.empty() && record->t_ms < records.back().t_ms) {
            return std::unexpected(
                TraceError{line_number, "time goes backwards (" + std::to_string(record->t_ms) +
                                            " after " + std::to_string(records.back().t_ms) + ")"});
        }
        records.push_back(std::move(*record));
    }
    return records;
}

std::expected<std::vector<TraceRecord>, TraceError> load_trace(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return std::unexpected(TraceError{0, path + ": " + std::strerror(errno)});
    }
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return parse_trace(text);
}

// ---- Recording -----------------------------------------------------------------------------

std::expected<std::unique_ptr<TraceWriter>, std::string> TraceWriter::open(
    const std::string& path) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out) {
        return std::unexpected(path + ": " + std::strerror(errno));
    }
    return std::unique_ptr<TraceWriter>(new TraceWriter(std::move(out)));
}

TraceWriter::TraceWriter(std::ofstream out)
    : out_(std::move(out)), origin_(std::chrono::steady_clock::now()) {}

void TraceWriter::write(Direction dir, std::span<const std::uint8_t> bytes) {
    const auto t = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::steady_clock::now() - origin_)
                       .count();
    out_ << format_record(TraceRecord{t, dir, Bytes(bytes.begin(), bytes.end())}) << '\n';
    out_.flush();
}

RecordingLink::RecordingLink(std::unique_ptr<Link> inner, std::shared_ptr<TraceWriter> writer)
    : inner_(std::move(inner)), writer_(std::move(writer)) {}

std::string RecordingLink::do_describe() const {
    return inner_->describe() + " (recorded)";
}

void RecordingLink::do_read_some(std::span<std::uint8_t> into, IoHandler done) {
    // The writer is shared with the handler, so recording works even if this link is gone.
    inner_->async_read_some(into, [writer = writer_, into, done = std::move(done)](
                                      const boost::system::error_code& error, std::size_t size) {
        if (!error && size > 0) {
            writer->write(Direction::in, into.first(size));
        }
        done(error, size);
    });
}

void RecordingLink::do_write(std::span<const std::uint8_t> bytes, IoHandler done) {
    writer_->write(Direction::out, bytes);
    inner_->async_write(bytes, std::move(done));
}

// ---- Replay --------------------------------------------------------------------------------

std::string ReplayMismatch::describe() const {
    if (expected.empty()) {
        return "replay: the driver wrote " + hex_of(written) + " after record " +
               std::to_string(record) + ", but the trace expects no more output there";
    }
    return "replay: record " + std::to_string(record) + " expects out " + hex_of(expected) +
           ", the driver wrote " + hex_of(written);
}

ReplayLink::ReplayLink(boost::asio::io_context& io, std::vector<TraceRecord> records,
                       ReplayOptions options, std::string name)
    : io_(io),
      records_(std::move(records)),
      options_(options),
      name_(std::move(name)),
      timer_(io) {}

ReplayLink::~ReplayLink() {
    timer_.cancel();
}

bool ReplayLink::finished() const {
    return !mismatch_ && cursor_ >= records_.size() && received_.empty();
}

void ReplayLink::do_open(OpenHandler done) {
    std::expected<void, LinkError> result;
    if (opened_once_) {
        result = std::unexpected(LinkError{std::string(fault::kOpenFailed),
                                           name_ + ": a trace plays once and cannot reopen"});
    } else {
        opened_once_ = true;
        open_ = true;
    }
    boost::asio::post(io_, [done = std::move(done), result = std::move(result)]() mutable {
        done(std::move(result));
    });
    if (open_ && cursor_ < records_.size()) {
        play_inputs(records_[cursor_].t_ms);
    }
}

void ReplayLink::do_close() {
    open_ = false;
    timer_.cancel();
    if (read_done_) {
        boost::asio::post(io_, [done = std::exchange(read_done_, {})] {
            done(boost::asio::error::operation_aborted, 0);
        });
    }
}

void ReplayLink::play_inputs(std::int64_t from_ms) {
    if (!open_ || cursor_ >= records_.size() || records_[cursor_].dir != Direction::in) {
        return;
    }
    const auto gap = static_cast<double>(records_[cursor_].t_ms - from_ms) * options_.time_scale;
    timer_.expires_after(std::chrono::milliseconds(static_cast<std::int64_t>(gap)));
    timer_.async_wait([this, alive = std::weak_ptr<char>(alive_),
                       cursor = cursor_](const boost::system::error_code& error) {
        if (error || alive.expired() || !open_ || cursor != cursor_) {
            return;
        }
        const auto& record = records_[cursor_];
        received_.insert(received_.end(), record.bytes.begin(), record.bytes.end());
        ++cursor_;
        complete_read();
        play_inputs(record.t_ms);
    });
}

void ReplayLink::complete_read() {
    if (!read_done_ || received_.empty()) {
        return;
    }
    const auto size = std::min(read_into_.size(), received_.size());
    std::copy_n(received_.begin(), size, read_into_.begin());
    received_.erase(received_.begin(), received_.begin() + static_cast<std::ptrdiff_t>(size));
    boost::asio::post(io_, [done = std::exchange(read_done_, {}), size] {
        done(boost::system::error_code{}, size);
    });
}

void ReplayLink::do_read_some(std::span<std::uint8_t> into, IoHandler done) {
    if (!open_) {
        boost::asio::post(
            io_, [done = std::move(done)] { done(boost::asio::error::bad_descriptor, 0); });
        return;
    }
    read_into_ = into;
    read_done_ = std::move(done);
    complete_read();
}

void ReplayLink::do_write(std::span<const std::uint8_t> bytes, IoHandler done) {
    if (!open_ || mismatch_) {
        boost::asio::post(
            io_, [done = std::move(done)] { done(boost::asio::error::bad_descriptor, 0); });
        return;
    }
    // Input the trace shows before this output was sent by the device before it: deliver it now.
    timer_.cancel();
    while (cursor_ < records_.size() && records_[cursor_].dir == Direction::in &&
           out_matched_ == 0) {
        const auto& record = records_[cursor_++];
        received_.insert(received_.end(), record.bytes.begin(), record.bytes.end());
    }
    complete_read();

    std::size_t offset = 0;
    std::int64_t last_out_ms = 0;
    while (offset < bytes.size()) {
        if (cursor_ >= records_.size() || records_[cursor_].dir != Direction::out) {
            mismatch_ = ReplayMismatch{cursor_, {}, Bytes(bytes.begin(), bytes.end())};
            break;
        }
        const auto& expected = records_[cursor_].bytes;
        const auto count = std::min(expected.size() - out_matched_, bytes.size() - offset);
        if (!std::equal(bytes.begin() + static_cast<std::ptrdiff_t>(offset),
                        bytes.begin() + static_cast<std::ptrdiff_t>(offset + count),
                        expected.begin() + static_cast<std::ptrdiff_t>(out_matched_))) {
            mismatch_ = ReplayMismatch{
                cursor_,
                Bytes(expected.begin() + static_cast<std::ptrdiff_t>(out_matched_), expected.end()),
                Bytes(bytes.begin(), bytes.end())};
            break;
        }
        offset += count;
        out_matched_ += count;
        if (out_matched_ == expected.size()) {
            last_out_ms = records_[cursor_].t_ms;
            ++cursor_;
            out_matched_ = 0;
        }
    }
    if (mismatch_) {
        boost::asio::post(
            io_, [done = std::move(done)] { done(boost::asio::error::invalid_argument, 0); });
        return;
    }
    boost::asio::post(io_, [done = std::move(done), size = bytes.size()] {
        done(boost::system::error_code{}, size);
    });
    if (out_matched_ == 0) {
        play_inputs(last_out_ms);
    }
}

}  // namespace hk::drivers::transport
