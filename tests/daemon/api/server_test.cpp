// Tests of the Local API server's HTTP side over real sockets on 127.0.0.1: routing, limits,
// target decoding and static files. The loop runs on the test thread; clients on their own.
#include <boost/asio/post.hpp>
#include <catch2/catch.hpp>

#include "daemon/api/http_server.hpp"
#include "tests/daemon/api/api_test_support.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

using namespace hk::api;
using hk::test::await;
using hk::test::exchange;
using hk::test::HttpReply;
using hk::test::on_thread;
using hk::test::RawClient;
using hk::test::request_text;
using hk::test::run_until;
using hk::test::TempDir;
using nlohmann::json;

ServerOptions test_options() {
    ServerOptions options;
    options.port = 0;
    return options;
}

std::unique_ptr<Server> start(boost::asio::io_context& io, ServerOptions options, Router router) {
    auto server = Server::start(io, std::move(options), std::move(router), {});
    REQUIRE(server);
    return std::move(*server);
}

// A router echoing what the server decoded.
Router echo_router(boost::asio::io_context& io) {
    Router router;
    const auto echo = [](const Request& request, const Respond& respond) {
        respond(Response{200, json{{"path", request.path},
                                   {"params", request.params},
                                   {"query", request.query},
                                   {"body", request.body},
                                   {"bearer", request.bearer_token.value_or("")},
                                   {"peer", request.peer}}});
    };
    router.add(http::verb::get, "/api/v1/windows/{id}", echo);
    router.add(http::verb::post, "/api/v1/windows/{id}", echo);
    router.add(http::verb::get, "/api/v1/windows/current", [](const Request&, Respond respond) {
        respond(Response{200, json{{"literal", true}}});
    });
    router.add(http::verb::post, "/api/v1/counter/{action}", echo);
    router.add(http::verb::get, "/api/v1/later", [&io](const Request&, Respond respond) {
        boost::asio::post(io, [respond] { respond(Response{202, json{{"later", true}}}); });
    });
    router.add(http::verb::get, "/api/v1/throws",
               [](const Request&, const Respond&) { throw std::runtime_error("boom"); });
    router.add(http::verb::get, "/api/v1/dropped", [](const Request&, const Respond&) {});
    router.add(http::verb::delete_, "/api/v1/sessions/current",
               [](const Request&, const Respond& respond) {
                   respond(Response{204, nullptr});
               });
    return router;
}

struct Fixture {
    boost::asio::io_context io;
    std::vector<std::string> logged;
    std::unique_ptr<Server> server;

    explicit Fixture(ServerOptions options = test_options()) {
        options.log_error = [this](const std::string& message) { logged.push_back(message); };
        server = start(io, std::move(options), echo_router(io));
    }

    HttpReply get(std::string target, std::string method = "GET", std::string body = {},
                  std::string content_type = "application/json", std::string headers = {}) {
        auto reply =
            on_thread([port = server->port(), target, method, body, content_type, headers] {
                return exchange(port, method, target, body, content_type, headers);
            });
        return await(io, reply);
    }
};

TEST_CASE("routes capture {name} segments - literal segments win", "[api]") {
    Fixture f;
    const auto reply = f.get("/api/v1/windows/3", "GET", {}, {}, "Authorization: Bearer abc\r\n");
    REQUIRE(reply.status == 200);
    CHECK(reply.json()["params"] == json{{"id", "3"}});
    CHECK(reply.json()["bearer"] == "abc");
    CHECK(reply.json()["peer"].get<std::string>().starts_with("127.0.0.1:"));
    CHECK(reply.header("Content-Type") == "application/json; charset=utf-8");
    CHECK(reply.header("Cache-Control") == "no-store");
    CHECK(reply.header("X-Content-Type-Options") == "nosniff");
    CHECK(f.get("/api/v1/windows/current").json() == json{{"literal", true}});

    const auto post = f.get("/api/v1/counter/call", "POST", R"({"x":1})");
    CHECK(post.status == 200);
    CHECK(post.json()["params"]["action"] == "call");
    CHECK(post.json()["body"] == R"({"x":1})");
}

TEST_CASE("no route is 404 - a path with other methods is 405 with Allow", "[api]") {
    Fixture f;
    const auto missing = f.get("/api/v1/nothing");
    CHECK(missing.status == 404);
    CHECK(missing.error_code() == "not_found");
    const auto wrong = f.get("/api/v1/windows/3", "DELETE");
    CHECK(wrong.status == 405);
    CHECK(wrong.error_code() == "method_not_allowed");
    CHECK(wrong.header("Allow") == "GET, POST");
}

TEST_CASE("a handler may answer later - 204 has no body", "[api]") {
    Fixture f;
    const auto later = f.get("/api/v1/later");
    CHECK(later.status == 202);
    CHECK(later.json() == json{{"later", true}});
    const auto none = f.get("/api/v1/sessions/current", "DELETE");
    CHECK(none.status == 204);
    CHECK(none.body.empty());
}

TEST_CASE("a throwing or dropping handler is 500 internal and logged - the server lives on",
          "[api]") {
    Fixture f;
    const auto thrown = f.get("/api/v1/throws");
    CHECK(thrown.status == 500);
    CHECK(thrown.error_code() == "internal");
    REQUIRE(f.logged.size() == 1);
    CHECK(f.logged[0].find("boom") != std::string::npos);
    CHECK(f.get("/api/v1/dropped").status == 500);
    CHECK(f.get("/api/v1/windows/1").status == 200);
}

TEST_CASE("keep-alive serves several requests on one connection in order", "[api]") {
    Fixture f;
    auto replies = on_thread([port = f.server->port()] {
        RawClient client(port);
        // Pipelined: both requests at once.
        client.send(request_text("GET", "/api/v1/windows/1") +
                    request_text("GET", "/api/v1/windows/2"));
        std::vector<HttpReply> out{client.read(), client.read()};
        return out;
    });
    const auto got = await(f.io, replies);
    CHECK(got[0].json()["params"]["id"] == "1");
    CHECK(got[1].json()["params"]["id"] == "2");
    CHECK_FALSE(got[1].closed_after);
}

TEST_CASE("query and path are percent-decoded - bad escapes and bad UTF-8 are 400", "[api]") {
    Fixture f;
    const auto reply = f.get("/api/v1/windows/a%2Fb%20c?name=%E4%B8%AD+x&flag");
    REQUIRE(reply.status == 200);
    CHECK(reply.json()["params"]["id"] == "a/b c");
    CHECK(reply.json()["query"] == json{{"name", "中 x"}, {"flag", ""}});
    CHECK(reply.json()["path"] == "/api/v1/windows/a/b c");
    for (const auto* target :
         {"/api/v1/windows/%zz", "/api/v1/windows/%ff", "/api/v1/windows/1?x=%E4%B8",
          "/api/v1/windows/%00", "/api/v1/windows/1?x=%"}) {
        INFO(target);
        const auto bad = f.get(target);
        CHECK(bad.status == 400);
        CHECK(bad.error_code() == "bad_request");
    }
}

TEST_CASE("a body over the limit is 413 and by Content-Length or chunked", "[api]") {
    auto options = test_options();
    options.max_body_bytes = 100;
    Fixture f(options);
    const auto declared = f.get("/api/v1/counter/call", "POST", std::string(5000, 'x'));
    CHECK(declared.status == 413);
    CHECK(declared.error_code() == "too_large");
    CHECK(declared.closed_after);

    auto chunked = on_thread([port = f.server->port()] {
        RawClient client(port);
        std::string text =
            "POST /api/v1/counter/call HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            "Transfer-Encoding: chunked\r\n\r\n";
        for (int i = 0; i < 5; ++i) {
            text += "32\r\n" + std::string(50, 'y') + "\r\n";
        }
        text += "0\r\n\r\n";
        client.send(text);
        return client.read();
    });
    CHECK(await(f.io, chunked).status == 413);
    CHECK(f.get("/api/v1/counter/call", "POST", std::string(100, ' ')).status == 200);
}

TEST_CASE("a body that is not JSON is 415 under /api/", "[api]") {
    Fixture f;
    const auto reply = f.get("/api/v1/counter/call", "POST", "x=1", "text/plain");
    CHECK(reply.status == 415);
    CHECK(reply.error_code() == "unsupported_media_type");
    CHECK(f.get("/api/v1/counter/call", "POST", "{}", "Application/JSON; charset=utf-8").status ==
          200);
}

TEST_CASE("malformed HTTP is 400 and closes - an oversized header is 431", "[api]") {
    auto options = test_options();
    options.max_header_bytes = 1024;
    Fixture f(options);
    auto malformed = on_thread([port = f.server->port()] {
        RawClient client(port);
        client.send("GARBAGE\x01 / HTTP/9\r\n\r\n");
        auto reply = client.read();
        return std::pair(reply, client.closed_by_server());
    });
    const auto [reply, closed] = await(f.io, malformed);
    CHECK(reply.status == 400);
    CHECK(reply.error_code() == "bad_request");
    CHECK(closed);

    const auto big =
        f.get("/api/v1/windows/1", "GET", {}, {}, "X-Filler: " + std::string(2000, 'z') + "\r\n");
    CHECK(big.status == 431);
    CHECK(big.error_code() == "header_too_large");
}

TEST_CASE("connections over the limit get 429 busy", "[api]") {
    auto options = test_options();
    options.max_connections = 2;
    Fixture f(options);
    std::vector<std::unique_ptr<RawClient>> held;
    auto opened = on_thread([&held, port = f.server->port()] {
        held.push_back(std::make_unique<RawClient>(port));
        held.push_back(std::make_unique<RawClient>(port));
        return true;
    });
    await(f.io, opened);
    REQUIRE(run_until(f.io, [&] { return f.server->connection_count() == 2; }));
    const auto refused = f.get("/api/v1/windows/1");
    CHECK(refused.status == 429);
    CHECK(refused.error_code() == "busy");
    held.clear();
    REQUIRE(run_until(f.io, [&] { return f.server->connection_count() == 0; }));
    CHECK(f.get("/api/v1/windows/1").status == 200);
}

TEST_CASE("an idle connection is closed after the idle timeout", "[api]") {
    auto options = test_options();
    options.idle_timeout = std::chrono::seconds(1);
    Fixture f(options);
    auto client = on_thread([port = f.server->port()] {
        auto raw = std::make_unique<RawClient>(port);
        return raw;
    });
    auto raw = await(f.io, client);
    REQUIRE(run_until(f.io, [&] { return f.server->connection_count() == 1; }));
    REQUIRE(run_until(f.io, [&] { return f.server->connection_count() == 0; }));
    CHECK(raw->closed_by_server());
}

TEST_CASE("start refuses a port in use and naming address:port", "[api]") {
    boost::asio::io_context io;
    auto first = start(io, test_options(), Router());
    auto options = test_options();
    options.port = first->port();
    const auto second = Server::start(io, options, Router(), {});
    REQUIRE_FALSE(second);
    CHECK(second.error().find("127.0.0.1:" + std::to_string(first->port())) != std::string::npos);
    CHECK(second.error().find("in use") != std::string::npos);
    options.address = "not-an-address";
    CHECK_FALSE(Server::start(io, options, Router(), {}));
}

// ---- static files -----------------------------------------------------------------------

struct UiFixture {
    TempDir dir{"hk-api-ui"};
    TempDir outside{"hk-api-outside"};
    std::unique_ptr<Fixture> f;

    UiFixture() {
        hk::test::write_file(dir / "ui/index.html", "<html>index</html>");
        hk::test::write_file(dir / "ui/assets/app-1234.js", "console.log(1)");
        hk::test::write_file(dir / "ui/favicon.ico", "ico");
        hk::test::write_file(dir.path() / "secret.txt", "classified-bytes");
        hk::test::write_file(outside / "secret.txt", "classified-bytes");
        std::filesystem::create_directory_symlink(outside.path(), dir / "ui/link");
        auto options = test_options();
        options.ui_dir = dir / "ui";
        f = std::make_unique<Fixture>(options);
    }
};

TEST_CASE("static files: index and assets with immutable cache and types and HEAD", "[api]") {
    UiFixture ui;
    auto& f = *ui.f;
    const auto index = f.get("/");
    CHECK(index.status == 200);
    CHECK(index.body == "<html>index</html>");
    CHECK(index.header("Content-Type") == "text/html; charset=utf-8");
    CHECK(index.header("Cache-Control") == "no-cache");
    CHECK(index.header("X-Content-Type-Options") == "nosniff");

    const auto asset = f.get("/assets/app-1234.js");
    CHECK(asset.body == "console.log(1)");
    CHECK(asset.header("Content-Type") == "text/javascript; charset=utf-8");
    CHECK(asset.header("Cache-Control") == "public, max-age=31536000, immutable");
    CHECK(f.get("/favicon.ico").header("Content-Type") == "image/x-icon");

    const auto head = f.get("/assets/app-1234.js", "HEAD");
    CHECK(head.status == 200);
    CHECK(head.body.empty());
    CHECK(head.header("Content-Length") == "14");

    CHECK(f.get("/assets/app-1234.js", "POST", "{}").status == 405);
}

TEST_CASE("static files: app surfaces fall back to index.html and missing files are 404", "[api]") {
    UiFixture ui;
    auto& f = *ui.f;
    for (const auto* surface : {"/kiosk", "/counter", "/window/3", "/hall", "/status"}) {
        INFO(surface);
        const auto reply = f.get(surface);
        CHECK(reply.status == 200);
        CHECK(reply.body == "<html>index</html>");
        CHECK(reply.header("Cache-Control") == "no-cache");
    }
    const auto missing = f.get("/assets/missing.js");
    CHECK(missing.status == 404);
    CHECK(missing.error_code() == "not_found");
}

TEST_CASE("static files: traversal attempts are refused", "[api]") {
    UiFixture ui;
    auto& f = *ui.f;
    for (const auto* target :
         {"/../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E/secret.txt", "/assets/..%2fsecret.txt",
          "/assets/%2e%2e%2f%2e%2e%2fsecret.txt", "/..\\secret.txt", "/%5c..%5csecret.txt",
          "/assets/%00.js", "/./index.html", "/link/secret.txt"}) {
        INFO(target);
        const auto reply = f.get(target);
        CHECK((reply.status == 400 || reply.status == 404));
        CHECK(reply.body.find("classified") == std::string::npos);
    }
}

TEST_CASE("without a ui_dir and non-API paths are 404 saying the UI is not installed", "[api]") {
    Fixture f;
    const auto reply = f.get("/kiosk");
    CHECK(reply.status == 404);
    CHECK(reply.json()["error"]["message"].get<std::string>().find("not installed") !=
          std::string::npos);
}

}  // namespace
