// The allowed values of each setting: names, choices, paths, the socket length limit, group
// names and the worker range, at their boundaries.
#include <string>

#include <catch2/catch.hpp>

#include "daemon/config/config.hpp"
#include "tests/daemon/config/config_test_support.hpp"

namespace hk::config {
namespace {

using test::only_error_of;
using test::parsed;

constexpr const char* kNameRule =
    "expected 1 to 32 characters from a-z, 0-9 and '-', starting with a letter or digit, got ";

TEST_CASE("node.id accepts lowercase letters, digits and inner dashes") {
    CHECK(parsed("[node]\nid = \"0-window-12\"\n").node.id == "0-window-12");
}

TEST_CASE("node.id accepts exactly 32 characters") {
    const std::string id(32, 'a');
    CHECK(parsed("[node]\nid = \"" + id + "\"\n").node.id == id);
}

TEST_CASE("node.id rejects 33 characters") {
    const std::string id(33, 'a');
    const ConfigError error = only_error_of("[node]\nid = \"" + id + "\"\n");
    CHECK(error.key == "node.id");
    CHECK(error.message == kNameRule + ("\"" + id + "\""));
}

TEST_CASE("node.id rejects uppercase letters and underscores") {
    const ConfigError error = only_error_of("[node]\nid = \"Window_1\"\n");
    CHECK(error.line == 2);
    CHECK(error.column == 6);
    CHECK(error.key == "node.id");
    CHECK(error.message == kNameRule + std::string("\"Window_1\""));
}

TEST_CASE("node.id rejects a leading dash") {
    const ConfigError error = only_error_of("[node]\nid = \"-kiosk\"\n");
    CHECK(error.message == kNameRule + std::string("\"-kiosk\""));
}

TEST_CASE("node.id rejects the empty string") {
    const ConfigError error = only_error_of("[node]\nid = \"\"\n");
    CHECK(error.message == kNameRule + std::string("\"\""));
}

TEST_CASE("node.hall follows the same rule as node.id") {
    const ConfigError error = only_error_of("[node]\nhall = \"hall 3\"\n");
    CHECK(error.key == "node.hall");
    CHECK(error.message == kNameRule + std::string("\"hall 3\""));
}

TEST_CASE("node.role accepts terminal") {
    CHECK(parsed("[node]\nrole = \"terminal\"\n").node.role == Role::terminal);
}

TEST_CASE("node.role rejects anything but controller and terminal") {
    const ConfigError error = only_error_of("[node]\nrole = \"Controller\"\n");
    CHECK(error.line == 2);
    CHECK(error.column == 8);
    CHECK(error.key == "node.role");
    CHECK(error.message == "expected one of controller, terminal, got \"Controller\"");
}

TEST_CASE("log.level accepts each of its five levels") {
    CHECK(parsed("[log]\nlevel = \"trace\"\n").log.level == LogLevel::trace);
    CHECK(parsed("[log]\nlevel = \"debug\"\n").log.level == LogLevel::debug);
    CHECK(parsed("[log]\nlevel = \"info\"\n").log.level == LogLevel::info);
    CHECK(parsed("[log]\nlevel = \"warn\"\n").log.level == LogLevel::warn);
    CHECK(parsed("[log]\nlevel = \"error\"\n").log.level == LogLevel::error);
}

TEST_CASE("log.level rejects other words") {
    const ConfigError error = only_error_of("[log]\nlevel = \"warning\"\n");
    CHECK(error.key == "log.level");
    CHECK(error.message == "expected one of trace, debug, info, warn, error, got \"warning\"");
}

TEST_CASE("log.sink accepts auto, stderr and journald") {
    CHECK(parsed("[log]\nsink = \"auto\"\n").log.sink == LogSink::automatic);
    CHECK(parsed("[log]\nsink = \"stderr\"\n").log.sink == LogSink::stderr_sink);
    CHECK(parsed("[log]\nsink = \"journald\"\n").log.sink == LogSink::journald);
}

TEST_CASE("log.sink rejects other words") {
    const ConfigError error = only_error_of("[log]\nsink = \"syslog\"\n");
    CHECK(error.key == "log.sink");
    CHECK(error.message == "expected one of auto, stderr, journald, got \"syslog\"");
}

TEST_CASE("state.dir rejects a relative path") {
    const ConfigError error = only_error_of("[state]\ndir = \"var/lib/hallkeeper\"\n");
    CHECK(error.line == 2);
    CHECK(error.column == 7);
    CHECK(error.key == "state.dir");
    CHECK(error.message ==
          "expected an absolute path (starting with '/'), got \"var/lib/hallkeeper\"");
}

TEST_CASE("state.dir rejects a path with a NUL character") {
    const ConfigError error = only_error_of("[state]\ndir = \"/var/lib\\u0000x\"\n");
    CHECK(error.key == "state.dir");
    CHECK(error.message == "expected a path without NUL characters, got \"/var/lib\\x00x\"");
}

TEST_CASE("control.socket rejects a relative path") {
    const ConfigError error = only_error_of("[control]\nsocket = \"hallkeeperd.sock\"\n");
    CHECK(error.key == "control.socket");
    CHECK(error.message ==
          "expected an absolute path (starting with '/'), got \"hallkeeperd.sock\"");
}

TEST_CASE("control.socket accepts a path of 107 bytes") {
    const std::string socket = "/" + std::string(106, 's');
    CHECK(parsed("[control]\nsocket = \"" + socket + "\"\n").control.socket == socket);
}

TEST_CASE("control.socket rejects a path of 108 bytes, the sun_path limit") {
    const std::string socket = "/" + std::string(107, 's');
    const ConfigError error = only_error_of("[control]\nsocket = \"" + socket + "\"\n");
    CHECK(error.line == 2);
    CHECK(error.column == 10);
    CHECK(error.key == "control.socket");
    CHECK(error.message ==
          "expected a path shorter than 108 bytes (the limit of a Unix socket address), got 108 "
          "bytes");
}

TEST_CASE("control.group accepts a system-style group name") {
    CHECK(parsed("[control]\ngroup = \"_hall-tech2\"\n").control.group == "_hall-tech2");
}

TEST_CASE("control.group rejects a name starting with a digit") {
    const ConfigError error = only_error_of("[control]\ngroup = \"1tech\"\n");
    CHECK(error.key == "control.group");
    CHECK(error.message ==
          "expected a group name of 1 to 32 characters from a-z, 0-9, '_' and '-', starting with "
          "a letter or '_', got \"1tech\"");
}

TEST_CASE("control.group rejects uppercase letters") {
    const ConfigError error = only_error_of("[control]\ngroup = \"Tech\"\n");
    CHECK(error.key == "control.group");
    CHECK_THAT(error.message, Catch::EndsWith("got \"Tech\""));
}

TEST_CASE("runtime.workers accepts 1 and 16") {
    CHECK(parsed("[runtime]\nworkers = 1\n").runtime.workers == 1);
    CHECK(parsed("[runtime]\nworkers = 16\n").runtime.workers == 16);
}

TEST_CASE("runtime.workers rejects 0") {
    const ConfigError error = only_error_of("[runtime]\nworkers = 0\n");
    CHECK(error.line == 2);
    CHECK(error.column == 11);
    CHECK(error.key == "runtime.workers");
    CHECK(error.message == "expected an integer from 1 to 16, got 0");
}

TEST_CASE("runtime.workers rejects 17") {
    const ConfigError error = only_error_of("[runtime]\nworkers = 17\n");
    CHECK(error.message == "expected an integer from 1 to 16, got 17");
}

TEST_CASE("runtime.workers rejects a negative count") {
    const ConfigError error = only_error_of("[runtime]\nworkers = -4\n");
    CHECK(error.message == "expected an integer from 1 to 16, got -4");
}

}  // namespace
}  // namespace hk::config

TEST_CASE("queue settings take an absolute hall file and a UTC offset") {
    const auto config = hk::config::parse(
        "[queue]\nhall_file = \"/etc/hallkeeper/hall.toml\"\nutc_offset_minutes = -300\n",
        "t.toml");
    REQUIRE(config.has_value());
    CHECK(config->queue.hall_file == std::filesystem::path("/etc/hallkeeper/hall.toml"));
    CHECK(config->queue.utc_offset_minutes == -300);
}

TEST_CASE("queue settings reject a relative hall file and an impossible UTC offset") {
    const auto config = hk::config::parse(
        "[queue]\nhall_file = \"hall.toml\"\nutc_offset_minutes = 900\n", "t.toml");
    REQUIRE_FALSE(config.has_value());
    REQUIRE(config.error().size() == 2);
    CHECK(config.error()[0].key == "queue.hall_file");
    CHECK(config.error()[0].line == 2);
    CHECK(config.error()[1].key == "queue.utc_offset_minutes");
    CHECK(config.error()[1].line == 3);
}
