// Tests of the event stream (GET /api/v1/stream, WebSocket) over real sockets: backlog then
// live messages without gaps or repeats, resync, refused upgrades, slow clients and stop().
#include <catch2/catch.hpp>

#include "daemon/api/http_server.hpp"
#include "tests/daemon/api/api_test_support.hpp"

namespace {

using namespace hk::api;
using hk::test::await;
using hk::test::on_thread;
using hk::test::refused_upgrade_status;
using hk::test::run_until;
using hk::test::StreamClient;
using nlohmann::json;

// An event log like the daemon's: append, then publish.
struct Log {
    std::vector<StreamMessage> events;
    std::uint64_t oldest_kept = 1;
    Server* server = nullptr;
    int publish_inside_backlog = 0;  // the next calls of backlog() publish a new event first
    std::size_t backlog_calls = 0;

    void append(bool publish = true) {
        const auto seq = events.size() + 1;
        events.push_back(StreamMessage{seq, json{{"seq", seq}, {"type", "test"}}});
        if (publish && server != nullptr) {
            server->publish(events.back());
        }
    }

    Backlog backlog(std::uint64_t after, std::size_t limit) {
        ++backlog_calls;
        if (publish_inside_backlog > 0) {
            --publish_inside_backlog;
            append();
        }
        Backlog out;
        out.latest = events.size();
        if (after + 1 < oldest_kept || after > events.size()) {
            out.too_old = true;
            return out;
        }
        for (auto seq = after + 1; seq <= events.size() && out.messages.size() < limit; ++seq) {
            out.messages.push_back(events[seq - 1]);
        }
        return out;
    }
};

struct Fixture {
    boost::asio::io_context io;
    Log log;
    std::unique_ptr<Server> server;

    explicit Fixture(std::size_t events, ServerOptions options = {}) {
        options.port = 0;
        for (std::size_t i = 0; i < events; ++i) {
            log.append(false);
        }
        auto started = Server::start(
            io, options, Router(),
            [this](std::uint64_t after, std::size_t limit) { return log.backlog(after, limit); });
        REQUIRE(started);
        server = std::move(*started);
        log.server = server.get();
    }

    void wait_for_clients(std::size_t count) {
        REQUIRE(run_until(io, [&] { return server->stream_client_count() == count; }));
    }
};

std::vector<std::uint64_t> seqs_of(const std::vector<json>& messages) {
    std::vector<std::uint64_t> out;
    for (const auto& message : messages) {
        out.push_back(message.at("seq").get<std::uint64_t>());
    }
    return out;
}

std::vector<std::uint64_t> range(std::uint64_t first, std::uint64_t last) {
    std::vector<std::uint64_t> out;
    for (auto seq = first; seq <= last; ++seq) {
        out.push_back(seq);
    }
    return out;
}

TEST_CASE("stream: the backlog in pages and then live messages and in order", "[api]") {
    Fixture f(1200);
    auto client = on_thread([port = f.server->port()] {
        StreamClient stream(port, "/api/v1/stream?after=100");
        return stream.read(1103);
    });
    f.wait_for_clients(1);
    for (int i = 0; i < 3; ++i) {
        f.log.append();
    }
    const auto messages = await(f.io, client);
    CHECK(seqs_of(messages) == range(101, 1203));
    CHECK(messages.front() == json{{"seq", 101}, {"type", "test"}});
    CHECK(f.log.backlog_calls >= 3);  // 500 per page
}

TEST_CASE("stream: publishing while the backlog is sent gives no gap and no repeat", "[api]") {
    Fixture f(1000);
    f.log.publish_inside_backlog = 3;
    auto client = on_thread([port = f.server->port()] {
        StreamClient stream(port, "/api/v1/stream?after=0");
        return stream.read(1004);
    });
    f.wait_for_clients(1);
    REQUIRE(run_until(f.io, [&] { return f.log.publish_inside_backlog == 0; }));
    f.log.append();
    const auto messages = await(f.io, client);
    CHECK(seqs_of(messages) == range(1, 1004));
}

TEST_CASE("stream: without after and the stream starts with the next published message", "[api]") {
    Fixture f(5);
    auto client = on_thread([port = f.server->port()] {
        StreamClient stream(port, "/api/v1/stream");
        return stream.read(2);
    });
    f.wait_for_clients(1);
    f.log.append();
    f.server->publish(f.log.events.front());  // an old one again: dropped
    f.log.append();
    CHECK(seqs_of(await(f.io, client)) == std::vector<std::uint64_t>{6, 7});
}

TEST_CASE("stream: an after older than the log gets resync and then live messages", "[api]") {
    Fixture f(50);
    f.log.oldest_kept = 20;
    auto client = on_thread([port = f.server->port()] {
        StreamClient stream(port, "/api/v1/stream?after=3");
        return stream.read(2);
    });
    f.wait_for_clients(1);
    f.log.append();
    const auto messages = await(f.io, client);
    CHECK(messages[0] == json{{"type", "resync"}, {"seq", 50}});
    CHECK(messages[1]["seq"] == 51);
}

TEST_CASE("stream: a malformed after refuses the upgrade with 400", "[api]") {
    Fixture f(5);
    for (const auto* target : {"/api/v1/stream?after=abc", "/api/v1/stream?after=-1",
                               "/api/v1/stream?after=", "/api/v1/stream?after=1e3",
                               "/api/v1/stream?after=99999999999999999999999"}) {
        INFO(target);
        auto status = on_thread([port = f.server->port(), target = std::string(target)] {
            return refused_upgrade_status(port, target);
        });
        CHECK(await(f.io, status) == 400);
    }
    CHECK(f.server->stream_client_count() == 0);
}

TEST_CASE("stream: a client too far behind is closed with 1008", "[api]") {
    ServerOptions options;
    options.max_queued_stream_messages = 10;
    Fixture f(0, options);
    auto client = on_thread([port = f.server->port()] {
        StreamClient stream(port, "/api/v1/stream");
        return stream.read_until_closed();
    });
    f.wait_for_clients(1);
    for (int i = 0; i < 100; ++i) {  // all before the loop writes anything
        f.log.append();
    }
    CHECK(f.server->stream_client_count() == 0);
    const auto [messages, code] = await(f.io, client);
    CHECK(code == 1008);
    CHECK(messages.size() <= 10);
    REQUIRE(run_until(f.io, [&] { return f.server->connection_count() == 0; }));
}

TEST_CASE("stream: stop() closes stream clients with 1001", "[api]") {
    Fixture f(3);
    auto client = on_thread([port = f.server->port()] {
        StreamClient stream(port, "/api/v1/stream?after=0");
        return stream.read_until_closed();
    });
    f.wait_for_clients(1);
    REQUIRE(run_until(f.io, [&] { return f.log.backlog_calls > 0; }));
    f.server->stop();
    f.server->stop();
    const auto [messages, code] = await(f.io, client);
    CHECK(code == 1001);
    CHECK(f.server->stream_client_count() == 0);
    CHECK(f.server->connection_count() == 0);
}

TEST_CASE("stream: the stream is GET with an upgrade only", "[api]") {
    Fixture f(0);
    auto reply = on_thread(
        [port = f.server->port()] { return hk::test::exchange(port, "GET", "/api/v1/stream"); });
    const auto plain = await(f.io, reply);
    CHECK(plain.status == 400);
    CHECK(plain.error_code() == "bad_request");
}

TEST_CASE("stream: pings keep an answering client - a silent one is closed", "[api]") {
    ServerOptions options;
    options.ping_interval = std::chrono::seconds(1);
    options.idle_timeout = std::chrono::seconds(2);
    Fixture f(0, options);
    std::atomic<int> pings = 0;
    // Answers pings (Beast sends the pongs while reading) but never sends a message.
    auto answering = on_thread([&pings, port = f.server->port()] {
        StreamClient stream(port, "/api/v1/stream");
        stream.count_pings(pings);
        return stream.read();
    });
    f.wait_for_clients(1);
    // A client that never reads never answers a ping.
    auto silent = on_thread([port = f.server->port()] {
        return std::make_unique<StreamClient>(port, "/api/v1/stream");
    });
    auto silent_client = await(f.io, silent);
    REQUIRE(run_until(f.io, [&] { return pings >= 4; }));  // longer than the idle timeout
    CHECK(f.server->stream_client_count() == 1);           // the silent one is gone, not the other
    f.log.append();
    CHECK(await(f.io, answering)["seq"] == 1);
}

}  // namespace
