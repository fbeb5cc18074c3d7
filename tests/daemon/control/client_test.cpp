// Tests of the blocking control-socket client: how each way of failing is reported, and how
// answers are matched to requests. Fake daemons are raw sockets driven from the test thread.
#include "daemon/control/client.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <catch2/catch.hpp>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon/control/server.hpp"
#include "tests/daemon/control/control_test_support.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

using namespace hk::control;
using hk::test::kPatience;
using hk::test::LoopThread;
using hk::test::RawListener;
using hk::test::TempDir;
using nlohmann::json;
using Kind = ClientError::Kind;

constexpr std::chrono::milliseconds kNoWait{0};

Client connect_to(const std::filesystem::path& socket) {
    auto client = Client::connect(socket, kNoWait);
    REQUIRE(client);
    return std::move(*client);
}

ServerOptions options_for(const std::filesystem::path& socket) {
    ServerOptions options;
    options.socket = socket;
    return options;
}

// Connects in a child process that cannot open the socket: as root by dropping to an
// unprivileged user (the test directory is private to root), otherwise through mode 000.
// The child exits 0 if the error matches what a user needs to hear.
int connect_without_permission(const std::filesystem::path& socket) {
    if (::geteuid() != 0) {
        ::chmod(socket.c_str(), 0);
    }
    const pid_t child = ::fork();
    if (child == 0) {
        if (::geteuid() == 0 && (::setgid(65534) != 0 || ::setuid(65534) != 0)) {
            ::_exit(2);
        }
        const auto client = Client::connect(socket, kNoWait);
        const bool expected =
            !client && client.error().kind == Kind::unreachable &&
            client.error().message.find("permission denied") != std::string::npos &&
            client.error().message.find("join the group") != std::string::npos;
        ::_exit(expected ? 0 : 1);
    }
    int status = 0;
    ::waitpid(child, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

TEST_CASE("connecting where no socket exists is unreachable and says to check the daemon") {
    TempDir dir;
    const auto client = Client::connect(dir / "hk.sock", kNoWait);
    REQUIRE_FALSE(client);
    CHECK(client.error().kind == Kind::unreachable);
    CHECK(client.error().message == "no hallkeeperd at " + (dir / "hk.sock").string() +
                                        ": is it running? (systemctl status hallkeeperd)");
}

TEST_CASE("connecting to a socket nobody listens on is unreachable") {
    TempDir dir;
    hk::test::make_stale_socket(dir / "hk.sock");
    const auto client = Client::connect(dir / "hk.sock", kNoWait);
    REQUIRE_FALSE(client);
    CHECK(client.error().kind == Kind::unreachable);
    CHECK_THAT(client.error().message, Catch::Contains("is it running?"));
}

TEST_CASE("connecting without permission is unreachable and says to join the group") {
    TempDir dir;
    // No loop thread: the child must be forked from a single-threaded process. The kernel
    // decides about permission at connect time, so nothing needs to run the loop.
    boost::asio::io_context io;
    const auto server = Server::start(io, options_for(dir / "hk.sock"));
    REQUIRE(server);
    CHECK(connect_without_permission(dir / "hk.sock") == 0);
}

TEST_CASE("connecting waits for a daemon that comes up within the wait") {
    TempDir dir;
    LoopThread loop;
    std::unique_ptr<Server> server;
    boost::asio::steady_timer later(loop.io());
    loop.run([&] {
        later.expires_after(std::chrono::milliseconds(150));
        later.async_wait([&](const boost::system::error_code&) {
            server = std::move(*Server::start(loop.io(), options_for(dir / "hk.sock")));
        });
    });
    auto client = Client::connect(dir / "hk.sock", kPatience);
    REQUIRE(client);
    CHECK(client->call("help", json::object(), kPatience));
    loop.run([&] { server.reset(); });
}

TEST_CASE("connecting gives up once the wait has passed") {
    TempDir dir;
    const auto wait = std::chrono::milliseconds(120);
    const auto started = std::chrono::steady_clock::now();
    const auto client = Client::connect(dir / "hk.sock", wait);
    REQUIRE_FALSE(client);
    CHECK(std::chrono::steady_clock::now() - started >= wait - std::chrono::milliseconds(50));
    CHECK(client.error().kind == Kind::unreachable);
    CHECK_THAT(client.error().message, Catch::Contains("waited 120 ms"));
}

TEST_CASE("a daemon that never answers is a timeout") {
    TempDir dir;
    RawListener daemon(dir / "hk.sock");
    auto client = connect_to(dir / "hk.sock");
    auto accepted = daemon.accept();
    const auto result = client.call("status", json::object(), std::chrono::milliseconds(50));
    REQUIRE_FALSE(result);
    CHECK(result.error().kind == Kind::timeout);
    CHECK(result.error().message == "hallkeeperd did not answer \"status\" within 50 ms");
}

TEST_CASE("a late answer to a timed-out call is skipped by the next call") {
    TempDir dir;
    RawListener daemon(dir / "hk.sock");
    auto client = connect_to(dir / "hk.sock");
    auto accepted = daemon.accept();
    REQUIRE_FALSE(client.call("status", json::object(), std::chrono::milliseconds(10)));
    accepted.write(encode_response(Response{1, json("old")}) + "\n" +
                   encode_response(Response{2, json("new")}) + "\n");
    CHECK(client.call("status", json::object(), kPatience) == json("new"));
}

TEST_CASE("an answer that is not a valid response is a protocol error") {
    TempDir dir;
    RawListener daemon(dir / "hk.sock");
    auto client = connect_to(dir / "hk.sock");
    auto accepted = daemon.accept();
    accepted.write("HTTP/1.1 400 Bad Request\r\n");
    const auto result = client.call("status", json::object(), kPatience);
    REQUIRE_FALSE(result);
    CHECK(result.error().kind == Kind::protocol);
    CHECK_THAT(result.error().message, Catch::StartsWith("hallkeeperd sent an invalid response"));
    CHECK(client.call("status", json::object(), kPatience).error().kind == Kind::protocol);
}

TEST_CASE("an answer to a request never sent is a protocol error") {
    TempDir dir;
    RawListener daemon(dir / "hk.sock");
    auto client = connect_to(dir / "hk.sock");
    auto accepted = daemon.accept();
    accepted.write(encode_response(Response{99, json(1)}) + "\n");
    const auto result = client.call("status", json::object(), kPatience);
    REQUIRE_FALSE(result);
    CHECK(result.error().kind == Kind::protocol);
}

TEST_CASE("an answer line over the limit is a protocol error") {
    TempDir dir;
    RawListener daemon(dir / "hk.sock");
    auto client = connect_to(dir / "hk.sock");
    auto accepted = daemon.accept();
    accepted.write(std::string(kMaxMessageBytes + 2, 'x'));
    const auto result = client.call("status", json::object(), kPatience);
    REQUIRE_FALSE(result);
    CHECK(result.error().kind == Kind::protocol);
}

TEST_CASE("a daemon that closes without answering is a protocol error") {
    TempDir dir;
    RawListener daemon(dir / "hk.sock");
    auto client = connect_to(dir / "hk.sock");
    daemon.accept().close();
    const auto result = client.call("status", json::object(), kPatience);
    REQUIRE_FALSE(result);
    CHECK(result.error().kind == Kind::protocol);
    CHECK_THAT(result.error().message, Catch::Contains("closed the connection"));
}

TEST_CASE("an error answer carries the daemon's code and message") {
    TempDir dir;
    RawListener daemon(dir / "hk.sock");
    auto client = connect_to(dir / "hk.sock");
    auto accepted = daemon.accept();
    accepted.write(encode_response(Response{1, std::unexpected(CommandError{"bad_args", "no"})}) +
                   "\n");
    const auto result = client.call("status", json::object(), kPatience);
    REQUIRE_FALSE(result);
    CHECK(result.error().kind == Kind::command);
    CHECK(result.error().code == "bad_args");
    CHECK(result.error().message == "no");
}

TEST_CASE("a request over the message limit is refused before it is sent") {
    TempDir dir;
    RawListener daemon(dir / "hk.sock");
    auto client = connect_to(dir / "hk.sock");
    const auto result =
        client.call("note", json{{"text", std::string(kMaxMessageBytes, 'x')}}, kPatience);
    REQUIRE_FALSE(result);
    CHECK(result.error().code == errc::too_large);
}

TEST_CASE("requests carry increasing ids") {
    TempDir dir;
    RawListener daemon(dir / "hk.sock");
    auto client = connect_to(dir / "hk.sock");
    auto accepted = daemon.accept();
    accepted.write(encode_response(Response{1, json(1)}) + "\n" +
                   encode_response(Response{2, json(2)}) + "\n");
    REQUIRE(client.call("a", json::object(), kPatience) == json(1));
    REQUIRE(client.call("b", json::object(), kPatience) == json(2));
    const auto first = parse_request(accepted.read_line().value_or(""));
    const auto second = parse_request(accepted.read_line().value_or(""));
    REQUIRE(first);
    REQUIRE(second);
    CHECK(first->id == 1);
    CHECK(first->command == "a");
    CHECK(second->id == 2);
}
