// Record and replay: an exchange recorded against a pty peer plays back without the peer and
// gives the driver the same bytes; a driver writing something else is told where and what.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include "drivers/transport/serial_transport.hpp"
#include "drivers/transport/trace.hpp"
#include "tests/drivers/transport/pty_device.hpp"
#include "tests/support/temp_dir.hpp"

using namespace hk::drivers;
using namespace hk::drivers::transport;
using hk::test::run_until;

namespace {

// What a small status-polling driver does: ask each question, collect each answer.
std::vector<std::string> poll(boost::asio::io_context& io, Transport& transport,
                              const std::vector<std::string>& questions,
                              std::optional<RequestError>* error = nullptr) {
    std::vector<std::string> answers;
    for (const auto& question : questions) {
        bool finished = false;
        transport.request(to_bytes(question), framers::until_byte('\n'),
                          [&](std::expected<Bytes, RequestError> result) {
                              finished = true;
                              if (result) {
                                  answers.emplace_back(result->begin(), result->end());
                              } else if (error != nullptr) {
                                  *error = result.error();
                              }
                          });
        REQUIRE(run_until(io, [&] { return finished; }));
    }
    return answers;
}

const std::vector<std::string> kQuestions = {"PING\n", "STATUS\n", "PING\n"};

std::string record_exchange(const hk::test::TempDir& dir) {
    boost::asio::io_context io;
    hk::test::PtyDevice device(io, dir / "ttyPRN", hk::test::status_peer);
    const auto path = (dir / "printer.trace").string();
    auto writer = TraceWriter::open(path);
    REQUIRE(writer);
    auto link = std::make_unique<RecordingLink>(
        std::make_unique<SerialLink>(io, SerialOptions{.path = (dir / "ttyPRN").string()}),
        std::shared_ptr<TraceWriter>(std::move(*writer)));
    auto transport = Transport::create(io, std::move(link));
    transport->start({});
    REQUIRE(run_until(io, [&] { return transport->is_up(); }));
    CHECK(poll(io, *transport, kQuestions) == std::vector<std::string>{"PONG\n", "OK\n", "PONG\n"});
    transport->stop();
    return path;
}

}  // namespace

TEST_CASE("an exchange recorded against a device replays without it, byte for byte") {
    hk::test::TempDir dir("hk-replay");
    const auto path = record_exchange(dir);
    auto records = load_trace(path);
    REQUIRE(records);
    REQUIRE(records->size() >= 6);
    CHECK(records->front() ==
          TraceRecord{records->front().t_ms, Direction::out, to_bytes("PING\n")});

    boost::asio::io_context io;
    auto link = std::make_unique<ReplayLink>(io, *records);
    const auto* replay = link.get();
    HealthTracker tracker;
    auto transport = Transport::create(io, std::move(link), {}, &tracker);
    transport->start({});
    REQUIRE(run_until(io, [&] { return transport->is_up(); }));
    CHECK(poll(io, *transport, kQuestions) == std::vector<std::string>{"PONG\n", "OK\n", "PONG\n"});
    CHECK(replay->finished());
    CHECK_FALSE(replay->mismatch());
    CHECK(tracker.health().state == DeviceState::online);
}

TEST_CASE("a replay keeps the recorded spacing of replies") {
    boost::asio::io_context io;
    const auto records = parse_trace(R"({"t":0,"dir":"out","hex":"50494e470a"}
{"t":300,"dir":"in","hex":"504f"}
{"t":300,"dir":"in","hex":"4e470a"})");
    REQUIRE(records);
    auto transport = Transport::create(io, std::make_unique<ReplayLink>(io, *records));
    transport->start({});
    REQUIRE(run_until(io, [&] { return transport->is_up(); }));
    const auto sent = std::chrono::steady_clock::now();
    CHECK(poll(io, *transport, {"PING\n"}) == std::vector<std::string>{"PONG\n"});
    CHECK(std::chrono::steady_clock::now() - sent >= std::chrono::milliseconds(300));
}

TEST_CASE("a driver writing other bytes than the trace is told which record and what differs") {
    boost::asio::io_context io;
    const auto records = parse_trace(R"({"t":0,"dir":"out","hex":"50494e470a"}
{"t":5,"dir":"in","hex":"504f4e470a"})");
    REQUIRE(records);
    auto link = std::make_unique<ReplayLink>(io, *records, ReplayOptions{.time_scale = 0});
    const auto* replay = link.get();
    HealthTracker tracker;
    auto transport = Transport::create(io, std::move(link), {}, &tracker);
    transport->start({});
    REQUIRE(run_until(io, [&] { return transport->is_up(); }));
    std::optional<RequestError> error;
    CHECK(poll(io, *transport, {"PONG\n"}, &error).empty());
    CHECK(error == RequestError::disconnected);
    REQUIRE(replay->mismatch());
    CHECK(replay->mismatch()->describe() ==
          "replay: record 0 expects out 50494e470a, the driver wrote 504f4e470a");
    CHECK(tracker.health().state == DeviceState::offline);
    CHECK(tracker.health().fault == fault::kIoError);
}
