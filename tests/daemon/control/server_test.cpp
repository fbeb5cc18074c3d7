// Tests of the control-socket server: socket file setup, request handling, limits and
// lifetimes. The server runs on a loop thread; the test thread plays the client.
#include "daemon/control/server.hpp"

#include <atomic>
#include <future>
#include <stdexcept>
#include <string>

#include <boost/asio/post.hpp>
#include <catch2/catch.hpp>
#include <grp.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/control/client.hpp"
#include "tests/daemon/control/control_test_support.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

using namespace hk::control;
using hk::test::LoopThread;
using hk::test::RawSocket;
using hk::test::RunningServer;
using hk::test::TempDir;
using nlohmann::json;

constexpr std::chrono::milliseconds kNoWait{0};

ServerOptions options_for(const std::filesystem::path& socket) {
    ServerOptions options;
    options.socket = socket;
    return options;
}

Client connect_to(const std::filesystem::path& socket) {
    auto client = Client::connect(socket, kNoWait);
    REQUIRE(client);
    return std::move(*client);
}

Response parse(const std::optional<std::string>& line) {
    REQUIRE(line);
    auto response = parse_response(*line);
    REQUIRE(response);
    return std::move(*response);
}

std::string error_code(const Response& response) {
    return response.outcome ? std::string() : response.outcome.error().code;
}

void add_status(Server& server) {
    server.add_command("status", "Status of the node",
                       Server::SyncHandler([](const json&) -> Outcome {
                           return json{{"version", "0.1.0"}, {"pid", 4242}};
                       }));
}

mode_t mode_of(const std::filesystem::path& path) {
    struct stat info {};
    REQUIRE(::stat(path.c_str(), &info) == 0);
    return info.st_mode & 07777;
}

// A group whose ownership change is observable: the process's own group, or as root any
// other group, since root's files already belong to group root.
std::string test_group() {
    if (::geteuid() == 0) {
        ::setgrent();
        while (const group* entry = ::getgrent()) {
            if (entry->gr_gid != ::getegid()) {
                std::string name = entry->gr_name;
                ::endgrent();
                return name;
            }
        }
        ::endgrent();
    }
    const group* own = ::getgrgid(::getegid());
    REQUIRE(own != nullptr);
    return own->gr_name;
}

// A command whose reply the test sends later; `called` is fulfilled when the handler runs.
struct HeldReply {
    Server::Reply reply;
    std::promise<void> called;
};

void add_held_command(Server& server, HeldReply& held) {
    server.add_command("slow", "Replies when the test says so",
                       Server::Handler([&held](const json&, Server::Reply reply) {
                           held.reply = std::move(reply);
                           held.called.set_value();
                       }));
}

}  // namespace

TEST_CASE("the server answers a registered command") {
    TempDir dir;
    RunningServer running(options_for(dir / "hk.sock"));
    running.loop().run([&] { add_status(running.server()); });
    auto client = connect_to(dir / "hk.sock");
    const auto result = client.call("status", json::object(), hk::test::kPatience);
    REQUIRE(result);
    CHECK(*result == json{{"version", "0.1.0"}, {"pid", 4242}});
}

TEST_CASE("the server passes the request's args to the handler") {
    TempDir dir;
    RunningServer running(options_for(dir / "hk.sock"));
    running.loop().run([&] {
        running.server().add_command(
            "echo", "Echo", Server::SyncHandler([](const json& args) -> Outcome { return args; }));
    });
    auto client = connect_to(dir / "hk.sock");
    const auto result = client.call("echo", json{{"n", 3}}, hk::test::kPatience);
    REQUIRE(result);
    CHECK(*result == json{{"n", 3}});
}

TEST_CASE("a handler may reply later from the loop") {
    TempDir dir;
    RunningServer running(options_for(dir / "hk.sock"));
    running.loop().run([&] {
        auto& io = running.loop().io();
        running.server().add_command(
            "later", "Replies from a posted handler",
            Server::Handler([&io](const json&, const Server::Reply& reply) {
                boost::asio::post(io, [reply] { reply(json(7)); });
            }));
    });
    auto client = connect_to(dir / "hk.sock");
    CHECK(client.call("later", json::object(), hk::test::kPatience) == json(7));
}

TEST_CASE("help lists every command with its summary, sorted by name") {
    TempDir dir;
    RunningServer running(options_for(dir / "hk.sock"));
    running.loop().run([&] {
        const auto nothing = Server::SyncHandler([](const json&) -> Outcome { return nullptr; });
        running.server().add_command("zeta", "Last", nothing);
        running.server().add_command("alpha", "First", nothing);
    });
    auto client = connect_to(dir / "hk.sock");
    const auto result = client.call("help", json::object(), hk::test::kPatience);
    REQUIRE(result);
    CHECK(*result == json{{"commands",
                           {{{"name", "alpha"}, {"summary", "First"}},
                            {{"name", "help"}, {"summary", "List the commands of this daemon"}},
                            {{"name", "zeta"}, {"summary", "Last"}}}}});
}

TEST_CASE("an unknown command is answered without listing the commands") {
    TempDir dir;
    RunningServer running(options_for(dir / "hk.sock"));
    running.loop().run([&] {
        running.server().add_command(
            "maintenance.secret", "Hidden",
            Server::SyncHandler([](const json&) -> Outcome { return nullptr; }));
    });
    auto client = connect_to(dir / "hk.sock");
    const auto result = client.call("nope", json::object(), hk::test::kPatience);
    REQUIRE_FALSE(result);
    CHECK(result.error().kind == ClientError::Kind::command);
    CHECK(result.error().code == errc::unknown_command);
    CHECK_THAT(result.error().message, Catch::Contains("\"nope\""));
    CHECK_THAT(result.error().message, !Catch::Contains("maintenance"));
    CHECK(client.call("help", json::object(), hk::test::kPatience));
}

TEST_CASE("invalid JSON is answered with id 0 and the connection stays usable") {
    TempDir dir;
    RunningServer running(options_for(dir / "hk.sock"));
    running.loop().run([&] { add_status(running.server()); });
    auto raw = RawSocket::connect(dir / "hk.sock");
    raw.write("this is not json\n");
    const auto rejected = parse(raw.read_line());
    CHECK(rejected.id == 0);
    CHECK(error_code(rejected) == errc::bad_request);
    raw.write(encode_request(Request{5, "status", json::object()}) + "\n");
    const auto answered = parse(raw.read_line());
    CHECK(answered.id == 5);
    CHECK(answered.outcome.has_value());
}

TEST_CASE("an invalid request whose id is readable is answered with that id") {
    TempDir dir;
    RunningServer running(options_for(dir / "hk.sock"));
    auto raw = RawSocket::connect(dir / "hk.sock");
    raw.write(R"({"v":1,"id":9,"cmd":"Bad Name"})"
              "\n");
    const auto rejected = parse(raw.read_line());
    CHECK(rejected.id == 9);
    CHECK(error_code(rejected) == errc::bad_request);
}

TEST_CASE("another protocol version is answered unsupported_version") {
    TempDir dir;
    RunningServer running(options_for(dir / "hk.sock"));
    auto raw = RawSocket::connect(dir / "hk.sock");
    raw.write(R"({"v":2,"id":3,"op":"status"})"
              "\n");
    CHECK(error_code(parse(raw.read_line())) == errc::unsupported_version);
}

TEST_CASE("an overlong line is answered too_large and the connection closed") {
    TempDir dir;
    RunningServer running(options_for(dir / "hk.sock"));
    auto raw = RawSocket::connect(dir / "hk.sock");
    raw.write(std::string(kMaxMessageBytes + 1, 'x'));
    const auto rejected = parse(raw.read_line());
    CHECK(rejected.id == 0);
    CHECK(error_code(rejected) == errc::too_large);
    CHECK(raw.closed_by_peer());
}

TEST_CASE("requests on one connection are handled one at a time, in order") {
    TempDir dir;
    RunningServer running(options_for(dir / "hk.sock"));
    HeldReply held;
    int counted = 0;
    running.loop().run([&] {
        add_held_command(running.server(), held);
        running.server().add_command(
            "count", "Counts its calls",
            Server::SyncHandler([&counted](const json&) -> Outcome { return ++counted; }));
    });
    auto raw = RawSocket::connect(dir / "hk.sock");
    raw.write(encode_request(Request{1, "slow", json::object()}) + "\n" +
              encode_request(Request{2, "count", json::object()}) + "\n");
    held.called.get_future().wait();
    CHECK(running.loop().run([&] { return counted; }) == 0);
    running.loop().run([&] { held.reply(json("done")); });
    const auto first = parse(raw.read_line());
    const auto second = parse(raw.read_line());
    CHECK(first.id == 1);
    CHECK(first.outcome == json("done"));
    CHECK(second.id == 2);
    CHECK(second.outcome == json(1));
}

TEST_CASE("a second reply to the same request is ignored") {
    TempDir dir;
    RunningServer running(options_for(dir / "hk.sock"));
    running.loop().run([&] {
        running.server().add_command("twice", "Replies twice",
                                     Server::Handler([](const json&, const Server::Reply& reply) {
                                         reply(json(1));
                                         reply(json(2));
                                     }));
    });
    auto client = connect_to(dir / "hk.sock");
    CHECK(client.call("twice", json::object(), hk::test::kPatience) == json(1));
    CHECK(client.call("twice", json::object(), hk::test::kPatience) == json(1));
}

TEST_CASE("a handler that throws is answered internal and the daemon carries on") {
    TempDir dir;
    auto options = options_for(dir / "hk.sock");
    std::string logged;
    options.log_error = [&logged](const std::string& message) { logged = message; };
    RunningServer running(options);
    running.loop().run([&] {
        running.server().add_command("explode", "Throws",
                                     Server::SyncHandler([](const json&) -> Outcome {
                                         throw std::runtime_error("disk on fire");
                                     }));
    });
    auto client = connect_to(dir / "hk.sock");
    const auto result = client.call("explode", json::object(), hk::test::kPatience);
    REQUIRE_FALSE(result);
    CHECK(result.error().code == errc::internal);
    CHECK_THAT(result.error().message, Catch::Contains("disk on fire"));
    CHECK(client.call("help", json::object(), hk::test::kPatience));
    CHECK_THAT(running.loop().run([&] { return logged; }), Catch::Contains("explode"));
}

TEST_CASE("a handler's malformed error code is answered internal") {
    TempDir dir;
    RunningServer running(options_for(dir / "hk.sock"));
    running.loop().run([&] {
        running.server().add_command("odd", "Bad code",
                                     Server::SyncHandler([](const json&) -> Outcome {
                                         return std::unexpected(CommandError{"Not OK", "why"});
                                     }));
    });
    auto client = connect_to(dir / "hk.sock");
    const auto result = client.call("odd", json::object(), hk::test::kPatience);
    REQUIRE_FALSE(result);
    CHECK(result.error().code == errc::internal);
}

TEST_CASE("a result over the message limit is answered too_large") {
    TempDir dir;
    RunningServer running(options_for(dir / "hk.sock"));
    running.loop().run([&] {
        running.server().add_command("huge", "Too much",
                                     Server::SyncHandler([](const json&) -> Outcome {
                                         return std::string(kMaxMessageBytes, 'x');
                                     }));
    });
    auto client = connect_to(dir / "hk.sock");
    const auto result = client.call("huge", json::object(), hk::test::kPatience);
    REQUIRE_FALSE(result);
    CHECK(result.error().code == errc::too_large);
    CHECK(client.call("help", json::object(), hk::test::kPatience));
}

TEST_CASE("a command name outside the protocol's rules cannot be registered") {
    TempDir dir;
    RunningServer running(options_for(dir / "hk.sock"));
    const auto nothing = Server::SyncHandler([](const json&) -> Outcome { return nullptr; });
    CHECK_THROWS_AS(running.loop().run([&] { running.server().add_command("Bad", "", nothing); }),
                    std::invalid_argument);
}

TEST_CASE("connections over the limit are answered busy and closed") {
    TempDir dir;
    auto options = options_for(dir / "hk.sock");
    options.max_connections = 1;
    RunningServer running(options);
    auto first = connect_to(dir / "hk.sock");
    REQUIRE(first.call("help", json::object(), hk::test::kPatience));
    auto raw = RawSocket::connect(dir / "hk.sock");
    const auto refused = parse(raw.read_line());
    CHECK(refused.id == 0);
    CHECK(error_code(refused) == errc::busy);
    CHECK(raw.closed_by_peer());
    CHECK(running.connection_count() == 1);
    CHECK(first.call("help", json::object(), hk::test::kPatience));
}

TEST_CASE("a client over the limit gets busy as the answer to its call") {
    TempDir dir;
    auto options = options_for(dir / "hk.sock");
    options.max_connections = 1;
    RunningServer running(options);
    auto first = connect_to(dir / "hk.sock");
    REQUIRE(first.call("help", json::object(), hk::test::kPatience));
    auto second = connect_to(dir / "hk.sock");
    const auto result = second.call("help", json::object(), hk::test::kPatience);
    REQUIRE_FALSE(result);
    CHECK(result.error().code == errc::busy);
}

TEST_CASE("an idle connection is closed after the idle timeout") {
    TempDir dir;
    auto options = options_for(dir / "hk.sock");
    options.idle_timeout = std::chrono::milliseconds(50);
    RunningServer running(options);
    auto raw = RawSocket::connect(dir / "hk.sock");
    raw.write(R"({"v":1,"id":1,"cmd":"help"})");  // never finished: still idle
    CHECK(raw.closed_by_peer());
    CHECK(running.loop().eventually([&] { return running.server().connection_count() == 0; }));
}

TEST_CASE("connection_count follows clients connecting and leaving") {
    TempDir dir;
    RunningServer running(options_for(dir / "hk.sock"));
    {
        auto client = connect_to(dir / "hk.sock");
        REQUIRE(client.call("help", json::object(), hk::test::kPatience));
        CHECK(running.connection_count() == 1);
    }
    CHECK(running.loop().eventually([&] { return running.server().connection_count() == 0; }));
}

TEST_CASE("the socket is created with mode 0660") {
    TempDir dir;
    RunningServer running(options_for(dir / "hk.sock"));
    CHECK(mode_of(dir / "hk.sock") == 0660);
}

TEST_CASE("the socket is given to the configured group") {
    TempDir dir;
    auto options = options_for(dir / "hk.sock");
    const auto name = test_group();
    options.group = name;
    RunningServer running(options);
    struct stat info {};
    REQUIRE(::stat((dir / "hk.sock").c_str(), &info) == 0);
    const group* expected = ::getgrnam(name.c_str());
    REQUIRE(expected != nullptr);
    CHECK(info.st_gid == expected->gr_gid);
}

TEST_CASE("a group that does not exist is bad_group and leaves no socket behind") {
    TempDir dir;
    LoopThread loop;
    auto options = options_for(dir / "hk.sock");
    options.group = "hk-no-such-group";
    const auto started = loop.run([&] { return Server::start(loop.io(), options); });
    REQUIRE_FALSE(started);
    CHECK(started.error().code == ServerErrc::bad_group);
    CHECK_THAT(started.error().message, Catch::Contains("hk-no-such-group"));
    CHECK_FALSE(std::filesystem::exists(dir / "hk.sock"));
}

TEST_CASE("a missing socket directory is created with mode 0755") {
    TempDir dir;
    RunningServer running(options_for(dir / "run" / "hallkeeper" / "hk.sock"));
    CHECK(mode_of(dir / "run") == 0755);
    CHECK(mode_of(dir / "run" / "hallkeeper") == 0755);
    CHECK(std::filesystem::is_socket(dir / "run" / "hallkeeper" / "hk.sock"));
}

TEST_CASE("a path where a live server listens is in_use and that server keeps working") {
    TempDir dir;
    RunningServer running(options_for(dir / "hk.sock"));
    const auto second = running.loop().run(
        [&] { return Server::start(running.loop().io(), options_for(dir / "hk.sock")); });
    REQUIRE_FALSE(second);
    CHECK(second.error().code == ServerErrc::in_use);
    CHECK_THAT(second.error().message, Catch::Contains("another hallkeeperd is listening on " +
                                                       (dir / "hk.sock").string()));
    auto client = connect_to(dir / "hk.sock");
    CHECK(client.call("help", json::object(), hk::test::kPatience));
}

TEST_CASE("a stale socket file nobody listens on is replaced") {
    TempDir dir;
    hk::test::make_stale_socket(dir / "hk.sock");
    RunningServer running(options_for(dir / "hk.sock"));
    auto client = connect_to(dir / "hk.sock");
    CHECK(client.call("help", json::object(), hk::test::kPatience));
}

TEST_CASE("a file that is not a socket is left alone and reported") {
    TempDir dir;
    hk::test::write_file(dir / "hk.sock", "precious");
    LoopThread loop;
    const auto started =
        loop.run([&] { return Server::start(loop.io(), options_for(dir / "hk.sock")); });
    REQUIRE_FALSE(started);
    CHECK(started.error().code == ServerErrc::cannot_create);
    CHECK(std::filesystem::is_regular_file(dir / "hk.sock"));
}

TEST_CASE("a socket path too long for a unix socket is cannot_create") {
    TempDir dir;
    LoopThread loop;
    const auto started = loop.run(
        [&] { return Server::start(loop.io(), options_for(dir / std::string(120, 's'))); });
    REQUIRE_FALSE(started);
    CHECK(started.error().code == ServerErrc::cannot_create);
    CHECK_THAT(started.error().message, Catch::Contains("too long"));
}

TEST_CASE("stop closes the connections and removes the socket file") {
    TempDir dir;
    RunningServer running(options_for(dir / "hk.sock"));
    auto client = connect_to(dir / "hk.sock");
    REQUIRE(client.call("help", json::object(), hk::test::kPatience));
    running.loop().run([&] { running.server().stop(); });
    CHECK_FALSE(std::filesystem::exists(dir / "hk.sock"));
    CHECK(running.connection_count() == 0);
    CHECK_FALSE(client.call("help", json::object(), hk::test::kPatience));
    running.loop().run([&] { running.server().stop(); });  // idempotent
}

TEST_CASE("a reply after the client disconnected does nothing") {
    TempDir dir;
    RunningServer running(options_for(dir / "hk.sock"));
    HeldReply held;
    running.loop().run([&] { add_held_command(running.server(), held); });
    {
        auto raw = RawSocket::connect(dir / "hk.sock");
        raw.write(encode_request(Request{1, "slow", json::object()}) + "\n");
        held.called.get_future().wait();
    }
    running.loop().run([&] { held.reply(json("too late")); });
    CHECK(running.loop().eventually([&] { return running.server().connection_count() == 0; }));
    auto client = connect_to(dir / "hk.sock");
    CHECK(client.call("help", json::object(), hk::test::kPatience));
}

TEST_CASE("a reply after the server is gone does nothing") {
    TempDir dir;
    RunningServer running(options_for(dir / "hk.sock"));
    HeldReply held;
    running.loop().run([&] { add_held_command(running.server(), held); });
    auto raw = RawSocket::connect(dir / "hk.sock");
    raw.write(encode_request(Request{1, "slow", json::object()}) + "\n");
    held.called.get_future().wait();
    running.destroy_server();
    running.loop().run([&] { held.reply(json("too late")); });
    CHECK(raw.closed_by_peer());
    CHECK_FALSE(std::filesystem::exists(dir / "hk.sock"));
}
