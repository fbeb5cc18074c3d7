// The Local API's counter and kiosk flows through the real daemon: officer sessions (PINs
// verified, wrong ones refused and throttled), every counter action, two counters calling at
// once, tickets by ID card (the card's number never leaves the daemon), priority codes, and
// the status route.
#include <algorithm>
#include <fstream>
#include <future>
#include <iterator>
#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/daemon/api/api_test_support.hpp"
#include "tests/system/daemon_harness.hpp"

using hk::test::DaemonHarness;
using hk::test::exchange;
using nlohmann::json;

namespace {

// One service served by two windows, a priority code, and a kiosk with an ID card reader.
constexpr const char* kCounterHall = R"(
[hall]
name_zh = "测试政务服务中心"
name_en = "Test service centre"
notice_zh = "请携带身份证原件"

[[services]]
code = "RE"
name_zh = "不动产登记"
name_en = "Real estate"
prefix = "A"
group_zh = "不动产"
group_en = "Real estate"
materials_zh = "身份证原件；不动产权证书"
materials_en = "ID card; property certificate"

[[services]]
code = "HH"
name_zh = "户籍办理"
name_en = "Household registration"
prefix = "B"

[[windows]]
id = "1"
name = "1号窗口"
serves = ["RE", "HH"]

[[windows]]
id = "2"
name = "2号窗口"
serves = ["RE"]

[[priority_codes]]
code = "2468"
class = "green"
)";

// The sample resident card of the simulated reader.
constexpr std::string_view kSampleIdNumber = "11010519491231002X";

struct Hall {
    DaemonHarness daemon;
    std::uint16_t port = 0;

    explicit Hall(std::string_view extra_devices = "") {
        hk::test::write_file(daemon.dir() / "hall.toml", kCounterHall);
        daemon.write_config("[node]\nid = \"counter-node\"\n[queue]\nhall_file = \"" +
                            (daemon.dir() / "hall.toml").string() +
                            "\"\n[api]\nenabled = true\nport = 0\n"
                            "[[device]]\nid = \"kiosk-reader\"\n"
                            "driver = \"simulated_id_card_reader\"\n"
                            "params = { read_time = \"50ms\" }\n" +
                            std::string(extra_devices));
        daemon.start_ready();
        const auto status = json::parse(daemon.hallctl({"--json", "status"}).out);
        port = status["api"]["port"].get<std::uint16_t>();
        add_officer("1024", "王芳", "246810");
        add_officer("2048", "李雷", "135790");
    }

    void add_officer(const std::string& id, const std::string& name, const std::string& pin) {
        const auto set = hk::test::run_command(
            {"/bin/sh", "-c",
             "echo " + pin + " | " + std::string(HK_HALLCTL_BIN) + " --socket " +
                 daemon.socket().string() + " officers set " + id + " --name " + name});
        REQUIRE(set.exit_code == 0);
    }

    [[nodiscard]] hk::test::HttpReply post(std::string_view target, std::string_view body,
                                           const std::string& token = {}) const {
        return exchange(port, "POST", target, body, "application/json",
                        token.empty() ? "" : "Authorization: Bearer " + token + "\r\n");
    }

    [[nodiscard]] hk::test::HttpReply get(std::string_view target,
                                          const std::string& token = {}) const {
        return exchange(port, "GET", target, {}, "application/json",
                        token.empty() ? "" : "Authorization: Bearer " + token + "\r\n");
    }

    [[nodiscard]] std::string login(const std::string& officer, const std::string& pin,
                                    const std::string& window) const {
        const auto reply =
            post("/api/v1/sessions",
                 json{{"officer", officer}, {"pin", pin}, {"window", window}}.dump());
        REQUIRE(reply.status == 201);
        return reply.json()["token"].get<std::string>();
    }

    [[nodiscard]] std::string take(std::string_view service = "RE") const {
        const auto reply = post("/api/v1/tickets", json{{"service", service}}.dump());
        REQUIRE(reply.status == 201);
        return reply.json()["ticket"].get<std::string>();
    }

    [[nodiscard]] json window(const std::string& id) const {
        const auto hall = get("/api/v1/hall").json();
        for (const auto& window : hall["windows"]) {
            if (window["id"] == id) {
                return window;
            }
        }
        FAIL("no window " << id);
        return {};
    }
};

std::string file_text(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST_CASE("an officer logs in at a counter with 工号 and PIN and nothing else gets in") {
    Hall hall;
    const auto login = [&](std::string_view body) { return hall.post("/api/v1/sessions", body); };

    const auto wrong_pin = login(R"({"officer":"1024","pin":"000000","window":"1"})");
    CHECK(wrong_pin.status == 401);
    CHECK(wrong_pin.error_code() == "bad_credentials");
    // An unknown 工号 answers exactly like a wrong PIN.
    const auto unknown = login(R"({"officer":"9999","pin":"246810","window":"1"})");
    CHECK(unknown.status == 401);
    CHECK(unknown.body == wrong_pin.body);
    CHECK(login(R"({"officer":"1024","pin":"246810","window":"9"})").error_code() ==
          "unknown_window");
    CHECK(login(R"({"officer":"1024","pin":246810,"window":"1"})").status == 400);
    CHECK(login(R"({"officer":"1024","window":"1"})").error_code() == "bad_request");
    CHECK(login(R"({"officer":"1024","pin":"246810","window":"1","role":"admin"})").status == 400);
    CHECK(hall.window("1")["state"] == "logged_out");

    // Nothing at the counter without a session.
    CHECK(hall.get("/api/v1/counter").status == 401);
    CHECK(hall.get("/api/v1/counter", std::string(64, 'a')).error_code() == "unauthorized");
    CHECK(hall.post("/api/v1/counter/call-next", "{}").status == 401);

    const auto opened = login(R"({"officer":"1024","pin":"246810","window":"1"})");
    REQUIRE(opened.status == 201);
    const auto token = opened.json()["token"].get<std::string>();
    CHECK(token.size() == 64);
    CHECK(opened.json()["officer"] == json{{"id", "1024"}, {"name", "王芳"}});
    CHECK(opened.json()["window"] == "1");
    const auto window = hall.window("1");
    CHECK(window["state"] == "idle");
    CHECK(window["officer"] == "1024");
    CHECK(window["officer_name"] == "王芳");
    CHECK(hall.get("/api/v1/counter", token).status == 200);

    // Logging out ends the session and the window's login.
    CHECK(exchange(hall.port, "DELETE", "/api/v1/sessions/current", {}, "application/json",
                   "Authorization: Bearer " + token + "\r\n")
              .status == 204);
    CHECK(hall.get("/api/v1/counter", token).status == 401);
    CHECK(hall.window("1")["state"] == "logged_out");
    // No PIN in the daemon's log.
    CHECK(hall.daemon.log().find("246810") == std::string::npos);
}

TEST_CASE("repeated wrong PINs lock the officer out for a while") {
    Hall hall;
    for (int i = 0; i < 5; ++i) {
        CHECK(hall.post("/api/v1/sessions", R"({"officer":"2048","pin":"1111","window":"2"})")
                  .error_code() == "bad_credentials");
    }
    const auto locked =
        hall.post("/api/v1/sessions", R"({"officer":"2048","pin":"135790","window":"2"})");
    CHECK(locked.status == 429);
    CHECK(locked.error_code() == "login_locked");
    CHECK(locked.json()["error"]["message"] == "too many wrong PINs: try again in 5 minutes");
    // Another officer is not affected.
    CHECK(
        hall.post("/api/v1/sessions", R"({"officer":"1024","pin":"246810","window":"2"})").status ==
        201);
}

TEST_CASE("the counter works its tickets through every action") {
    Hall hall;
    const auto token = hall.login("1024", "246810", "1");
    const auto act = [&](std::string_view action, std::string_view body = "{}") {
        return hall.post("/api/v1/counter/" + std::string(action), body, token);
    };
    CHECK(act("call-next").error_code() == "nothing_waiting");
    const auto first = hall.take();
    const auto second = hall.take();
    const auto third = hall.take("HH");

    const auto second_place = hall.get("/api/v1/tickets/" + second).json();
    CHECK(second_place["state"] == "waiting");
    CHECK(second_place["waiting_ahead"] == 1);
    CHECK(second_place["window"].is_null());
    CHECK(hall.get("/api/v1/tickets/Z999").error_code() == "unknown_ticket");

    const auto called = act("call-next");
    REQUIRE(called.status == 200);
    CHECK(called.json()["ticket"] == first);
    const auto first_place = hall.get("/api/v1/tickets/" + first).json();
    CHECK(first_place["state"] == "called");
    CHECK(first_place["window"] == "1");
    auto view = hall.get("/api/v1/counter", token).json();
    CHECK(view["current"]["ticket"] == first);
    CHECK(view["current"]["state"] == "called");
    CHECK(view["current"]["calls"].size() == 1);
    CHECK(view["current"]["calls"][0]["window"] == "1");
    CHECK(view["officer"]["name"] == "王芳");
    REQUIRE(view["queue"].size() == 2);
    CHECK(view["queue"][0]["ticket"] == second);
    CHECK(view["queue"][1]["ticket"] == third);
    CHECK(view["windows"] ==
          json::array({{{"id", "2"}, {"name_zh", "2号窗口"}, {"name_en", "Window 2"}}}));
    CHECK(act("call-next").error_code() == "window_busy");

    CHECK(act("recall").json()["recalls"] == 1);
    CHECK(act("start").status == 200);
    CHECK(hall.window("1")["state"] == "serving");
    const auto finished = act("finish");
    CHECK(finished.status == 200);
    CHECK(finished.json()["ticket"] == first);
    CHECK(hall.post("/api/v1/evaluations", json{{"ticket", first}, {"score", 5}}.dump()).status ==
          201);

    // Call specific needs a reason; hold and call back; transfer; no-show.
    CHECK(act("call-specific", json{{"number", third}}.dump()).error_code() == "bad_request");
    CHECK(act("call-specific", json{{"number", third}, {"reason", "材料已齐"}}.dump())
              .json()["ticket"] == third);
    CHECK(act("hold").status == 200);
    view = hall.get("/api/v1/counter", token).json();
    CHECK(view["current"].is_null());
    CHECK(view["held"] == json::array({{{"ticket", third}, {"service", "HH"}}}));
    CHECK(act("call-back", json{{"number", third}}.dump()).json()["ticket"] == third);
    CHECK(act("transfer", json{{"to_window", "9"}}.dump()).status == 404);
    CHECK(act("transfer", json{{"to_service", "RE"}, {"to_front", "yes"}}.dump()).status == 400);
    CHECK(act("transfer", json{{"to_service", "RE"}, {"to_front", true}}.dump()).status == 200);
    CHECK(act("call-next").json()["ticket"] == third);
    CHECK(act("no-show").status == 200);

    // Pause with a message for the screens, then resume.
    CHECK(act("pause", json{{"message", std::string(201, 'x')}}.dump()).error_code() ==
          "bad_argument");
    CHECK(act("pause", json{{"message", "暂停服务，请到2号窗口"}}.dump()).status == 200);
    CHECK(hall.window("1")["paused_message"] == "暂停服务，请到2号窗口");
    const auto board = hall.get("/api/v1/board").json();
    CHECK(board["windows"][0]["state"] == "paused");
    CHECK(act("resume").status == 200);
    CHECK(hall.window("1")["paused_message"].is_null());

    // Refusals that change nothing.
    CHECK(act("dance").status == 404);
    CHECK(act("call-next", R"({"window":"2"})").error_code() == "bad_request");
    CHECK(act("call-next", R"({"oops")").error_code() == "bad_request");
    CHECK(hall.post("/api/v1/counter/call-next", std::string(70 * 1024, ' '), token).status == 413);
    CHECK(exchange(hall.port, "POST", "/api/v1/counter/call-next", "x", "text/plain",
                   "Authorization: Bearer " + token + "\r\n")
              .status == 415);
    CHECK(hall.window("1")["state"] == "idle");
}

TEST_CASE("a logout with a ticket at the window is refused and the session stays") {
    Hall hall;
    const auto token = hall.login("1024", "246810", "1");
    static_cast<void>(hall.take());
    REQUIRE(hall.post("/api/v1/counter/call-next", "{}", token).status == 200);
    const auto refused = exchange(hall.port, "DELETE", "/api/v1/sessions/current", {},
                                  "application/json", "Authorization: Bearer " + token + "\r\n");
    CHECK(refused.status == 409);
    CHECK(refused.error_code() == "window_busy");
    CHECK(hall.get("/api/v1/counter", token).status == 200);
    // A second login at the window by the same officer (a reloaded counter) keeps the ticket.
    const auto again = hall.login("1024", "246810", "1");
    CHECK(hall.get("/api/v1/counter", again).json()["current"]["state"] == "called");
    CHECK(hall.get("/api/v1/counter", token).status == 401);  // replaced
}

TEST_CASE("two counters calling at once never get the same ticket") {
    Hall hall;
    const auto one = hall.login("1024", "246810", "1");
    const auto two = hall.login("2048", "135790", "2");
    constexpr int kTickets = 40;
    std::set<std::string> issued;
    for (int i = 0; i < kTickets; ++i) {
        issued.insert(hall.take());
    }
    const auto work = [&](const std::string& token) {
        std::vector<std::string> served;
        while (true) {
            const auto called = hall.post("/api/v1/counter/call-next", "{}", token);
            if (called.status != 200) {
                CHECK(called.error_code() == "nothing_waiting");
                return served;
            }
            served.push_back(called.json()["ticket"].get<std::string>());
            CHECK(hall.post("/api/v1/counter/start", "{}", token).status == 200);
            CHECK(hall.post("/api/v1/counter/finish", "{}", token).status == 200);
        }
    };
    auto first = std::async(std::launch::async, work, one);
    auto second = std::async(std::launch::async, work, two);
    const auto by_one = first.get();
    const auto by_two = second.get();
    std::multiset<std::string> served(by_one.begin(), by_one.end());
    served.insert(by_two.begin(), by_two.end());
    CHECK(served.size() == kTickets);
    CHECK(std::set<std::string>(served.begin(), served.end()) == issued);
    CHECK_FALSE(by_one.empty());
    CHECK_FALSE(by_two.empty());
}

TEST_CASE("a ticket by ID card: the card's number never leaves the daemon") {
    Hall hall;
    const auto token = hall.login("1024", "246810", "1");
    static_cast<void>(token);
    hk::test::StreamClient stream(
        hall.port,
        "/api/v1/stream?after=" +
            std::to_string(hall.get("/api/v1/board").json()["seq"].get<std::uint64_t>()));

    // Nobody at the reader: the wait ends without a card.
    const auto empty = hall.post("/api/v1/id-card/wait", R"({"timeout_s":1})");
    CHECK(empty.status == 200);
    CHECK(empty.json() == json{{"card", nullptr}});
    CHECK(hall.post("/api/v1/id-card/wait", R"({"reader":"nope"})").error_code() ==
          "unknown_device");

    // The citizen lays the card down, then touches the screen.
    REQUIRE(
        hall.daemon.hallctl({"devices", "simulate", "kiosk-reader", "present_card"}).exit_code ==
        0);
    const auto read = hall.post("/api/v1/id-card/wait", R"({"timeout_s":5})");
    REQUIRE(read.status == 200);
    const auto card = read.json()["card"].get<std::string>();
    CHECK(card.size() == 32);
    CHECK(read.json()["id_masked"] == "1101**********002X");
    CHECK(read.body.find(kSampleIdNumber) == std::string::npos);

    const auto ticket = hall.post(
        "/api/v1/tickets", json{{"service", "RE"}, {"channel", "id_card"}, {"card", card}}.dump());
    REQUIRE(ticket.status == 201);
    CHECK(ticket.json()["ticket"] == "A001");
    // A token is used once.
    CHECK(hall.post("/api/v1/tickets",
                    json{{"service", "RE"}, {"channel", "id_card"}, {"card", card}}.dump())
              .error_code() == "unknown_card");

    // The same card again for the same service: one waiting ticket per ID card.
    REQUIRE(hall.daemon.hallctl({"devices", "simulate", "kiosk-reader", "remove_card"}).exit_code ==
            0);
    auto waiting = std::async(std::launch::async, [&] {
        return hall.post("/api/v1/id-card/wait", R"({"timeout_s":5})");
    });
    REQUIRE(
        hall.daemon.hallctl({"devices", "simulate", "kiosk-reader", "present_card"}).exit_code ==
        0);
    const auto again = waiting.get();
    REQUIRE(again.status == 200);
    const auto duplicate = hall.post(
        "/api/v1/tickets",
        json{{"service", "RE"}, {"channel", "id_card"}, {"card", again.json()["card"]}}.dump());
    CHECK(duplicate.status == 409);
    CHECK(duplicate.error_code() == "duplicate_ticket");

    // An unreadable card is said so.
    REQUIRE(hall.daemon.hallctl({"devices", "simulate", "kiosk-reader", "remove_card"}).exit_code ==
            0);
    REQUIRE(
        hall.daemon.hallctl({"devices", "simulate", "kiosk-reader", "present_card", "unreadable"})
            .exit_code == 0);
    CHECK(hall.post("/api/v1/id-card/wait", R"({"timeout_s":5})").error_code() ==
          "card_unreadable");

    // Neither the stream, the log, the event log nor the database hold the number.
    const auto issued = stream.read();
    CHECK(issued["type"] == "queue.ticket_issued");
    CHECK(issued["payload"]["channel"] == "idcard");
    CHECK(issued.dump().find(kSampleIdNumber) == std::string::npos);
    CHECK_FALSE(issued["payload"].contains("identity_hash"));
    CHECK(hall.daemon.log().find(kSampleIdNumber) == std::string::npos);
    CHECK(hall.daemon.hallctl({"--json", "events"}).out.find(kSampleIdNumber) == std::string::npos);
    CHECK(file_text(hall.daemon.database()).find(kSampleIdNumber) == std::string::npos);
}

TEST_CASE("priority codes give green-channel tickets and a wrong code gets none") {
    Hall hall;
    const auto token = hall.login("1024", "246810", "1");
    const auto wrong = hall.post(
        "/api/v1/tickets", R"({"service":"RE","channel":"priority_code","priority_code":"1357"})");
    CHECK(wrong.status == 403);
    CHECK(wrong.error_code() == "bad_priority_code");
    const auto normal = hall.take();
    const auto green = hall.post(
        "/api/v1/tickets", R"({"service":"RE","channel":"priority_code","priority_code":"2468"})");
    REQUIRE(green.status == 201);
    const auto queue = hall.get("/api/v1/counter", token).json()["queue"];
    REQUIRE(queue.size() == 2);
    CHECK(queue[0]["ticket"] == normal);
    CHECK(queue[0]["class"] == "normal");
    CHECK(queue[1]["ticket"] == green.json()["ticket"]);
    CHECK(queue[1]["class"] == "green");
}

TEST_CASE("the hall carries its name, groups, materials and why services are closed") {
    Hall hall;
    auto services = hall.get("/api/v1/hall").json();
    CHECK(services["hall"] == json{{"name_zh", "测试政务服务中心"},
                                   {"name_en", "Test service centre"},
                                   {"notice_zh", "请携带身份证原件"},
                                   {"notice_en", nullptr}});
    const auto re = services["services"][0];
    CHECK(re["group_zh"] == "不动产");
    CHECK(re["group_en"] == "Real estate");
    CHECK(re["materials_zh"] == json::array({"身份证原件", "不动产权证书"}));
    CHECK(re["materials_en"] == json::array({"ID card", "property certificate"}));
    CHECK(re["open"] == false);
    CHECK(re["closed_reason"] == "no_window");
    CHECK(hall.post("/api/v1/tickets", R"({"service":"RE"})").error_code() == "service_closed");
    static_cast<void>(hall.login("2048", "135790", "2"));
    services = hall.get("/api/v1/hall").json()["services"];
    CHECK(services[0]["open"] == true);
    CHECK(services[0]["closed_reason"].is_null());
    CHECK(services[1]["closed_reason"] == "no_window");  // HH: only window 1 serves it

    const auto status = hall.get("/api/v1/status").json();
    CHECK(status["node"] == "counter-node");
    CHECK(status["role"] == "controller");
    CHECK(status["sync"]["state"] == "standalone");
    CHECK(status["queue"]["windows_open"] == 1);
    CHECK(status["devices"].is_object());
    CHECK(hall.post("/api/v1/status", "{}").status == 405);
}

TEST_CASE("every endpoint refuses bad input with its status and code and changes nothing") {
    Hall hall;
    const auto token = hall.login("1024", "246810", "1");
    const auto before = hall.get("/api/v1/board").json()["seq"];
    struct Bad {
        std::string method;
        std::string target;
        std::string body;
        unsigned status;
        std::string code;
        bool with_session = false;
    };
    const std::vector<Bad> cases{
        {"POST", "/api/v1/tickets", "{", 400, "bad_request"},
        {"POST", "/api/v1/tickets", R"({"service":["RE"]})", 400, "bad_request"},
        {"POST", "/api/v1/tickets", R"({"service":"NOPE"})", 404, "unknown_service"},
        {"POST", "/api/v1/tickets", R"({"service":"RE","channel":"id_card","card":"feed"})", 404,
         "unknown_card"},
        {"POST", "/api/v1/appointments/check-in", "[]", 400, "bad_request"},
        {"POST", "/api/v1/appointments/check-in", R"({"code":"APPT-NONE"})", 404,
         "unknown_appointment"},
        {"POST", "/api/v1/appointments/check-in", R"({"card":"feed"})", 404, "unknown_card"},
        {"POST", "/api/v1/appointments/check-in", R"({"code":7})", 400, "bad_request"},
        {"POST", "/api/v1/evaluations", R"({"ticket":"Z999","score":5})", 404, "unknown_ticket"},
        {"POST", "/api/v1/evaluations", R"({"ticket":"A001","score":2.5})", 400, "bad_request"},
        {"POST", "/api/v1/evaluations", R"({"ticket":"A001","score":0})", 400, "bad_argument"},
        {"POST", "/api/v1/id-card/wait", R"({"timeout_s":60})", 400, "bad_argument"},
        {"POST", "/api/v1/id-card/wait", R"({"reader":"nope"})", 404, "unknown_device"},
        {"POST", "/api/v1/sessions", R"({"officer":"1024"})", 400, "bad_request"},
        {"DELETE", "/api/v1/sessions/current", "", 401, "unauthorized"},
        {"GET", "/api/v1/counter", "", 401, "unauthorized"},
        {"POST", "/api/v1/counter/call-next", "{}", 401, "unauthorized"},
        {"POST", "/api/v1/counter/recall", "{}", 409, "no_current_ticket", true},
        {"POST", "/api/v1/counter/call-back", R"({"number":"A404"})", 404, "unknown_ticket", true},
        {"POST", "/api/v1/counter/call-specific", R"({"number":"A001","reason":3})", 400,
         "bad_request", true},
        {"POST", "/api/v1/counter/transfer", R"({"to_service":"NOPE"})", 409, "no_current_ticket",
         true},
        {"POST", "/api/v1/counter/pause", R"({"message":"a\u0000b"})", 400, "bad_argument", true},
        {"PUT", "/api/v1/tickets", "{}", 405, "method_not_allowed"},
        {"GET", "/api/v2/hall", "", 404, "not_found"},
        {"POST", "/api/v1/tickets", std::string(65 * 1024, ' '), 413, "too_large"},
    };
    for (const auto& bad : cases) {
        INFO(bad.method << " " << bad.target << " " << bad.body.substr(0, 60));
        const auto reply =
            exchange(hall.port, bad.method, bad.target, bad.body, "application/json",
                     bad.with_session ? "Authorization: Bearer " + token + "\r\n" : "");
        CHECK(reply.status == bad.status);
        CHECK(reply.error_code() == bad.code);
        CHECK_FALSE(reply.json()["error"]["message"].get<std::string>().empty());
    }
    // Nothing was recorded: no event since the first answer.
    CHECK(hall.get("/api/v1/board").json()["seq"] == before);
}

TEST_CASE("a kiosk ticket is printed, and none is issued while the printer cannot print") {
    Hall hall(
        "[[device]]\nid = \"printer-1\"\ndriver = \"simulated_ticket_printer\"\n"
        "params = { paper_capacity = 10, paper_low_at = 2 }\n");
    static_cast<void>(hall.login("1024", "246810", "1"));
    // What the simulated printer says it printed: its count and its last ticket's text.
    const auto printer_state = [&](std::string_view name) {
        const auto shown =
            json::parse(hall.daemon.hallctl({"--json", "devices", "show", "printer-1"}).out);
        for (const auto& entry : shown["simulation"]["state"]) {
            if (entry["name"] == name) {
                return entry["value"].get<std::string>();
            }
        }
        return std::string();
    };
    const auto first = hall.post("/api/v1/tickets", R"({"service":"RE"})");
    REQUIRE(first.status == 201);
    CHECK(first.json()["printed"] == true);
    CHECK(printer_state("printed") == "1");
    CHECK(printer_state("last_job_id") == "ticket-1");

    // Paper out: the kiosk is told, and nothing is issued.
    REQUIRE(hall.daemon.hallctl({"devices", "simulate", "printer-1", "set_paper", "0"}).exit_code ==
            0);
    const auto refused = hall.post("/api/v1/tickets", R"({"service":"RE"})");
    CHECK(refused.status == 503);
    CHECK(refused.error_code() == "printer_unavailable");
    CHECK(refused.json()["error"]["message"] ==
          "the ticket printer cannot print now (faulted: paper_out)");
    CHECK(hall.get("/api/v1/hall").json()["services"][0]["waiting"] == 1);
    // A ticket the citizen does not need on paper (shown on screen, sent to a phone) still is.
    const auto unprinted = hall.post("/api/v1/tickets", R"({"service":"RE","print":false})");
    CHECK(unprinted.status == 201);
    CHECK(unprinted.json()["printed"] == false);
    CHECK(hall.post("/api/v1/tickets", R"({"service":"RE","print":"no"})").error_code() ==
          "bad_request");

    REQUIRE(hall.daemon.hallctl({"devices", "simulate", "printer-1", "refill"}).exit_code == 0);
    const auto after = hall.post("/api/v1/tickets", R"({"service":"RE"})");
    REQUIRE(after.status == 201);
    CHECK(after.json()["printed"] == true);
    CHECK(after.json()["ticket"] == "A003");
    CHECK(printer_state("printed") == "2");
}
