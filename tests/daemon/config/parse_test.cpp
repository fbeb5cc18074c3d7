// The config file's structure: what parses to what, and how syntax errors, unknown sections and
// keys, wrong types and several problems at once are reported.
#include <string>

#include <catch2/catch.hpp>

#include "daemon/config/config.hpp"
#include "tests/daemon/config/config_test_support.hpp"

namespace hk::config {
namespace {

using test::errors_of;
using test::only_error_of;
using test::parsed;

TEST_CASE("an empty file yields the embedded default") {
    CHECK(parsed("") == embedded_default());
}

TEST_CASE("a file of only comments and blank lines yields the embedded default") {
    CHECK(parsed("# nothing to change\n\n   \n# still nothing\n") == embedded_default());
}

TEST_CASE("the embedded default is a controller with the documented settings") {
    const Config config = embedded_default();
    CHECK(config.node.id == "hall-node");
    CHECK(config.node.hall == "demo-hall");
    CHECK(config.node.role == Role::controller);
    CHECK(config.state.dir == "/var/lib/hallkeeper");
    CHECK(config.log.level == LogLevel::info);
    CHECK(config.log.sink == LogSink::automatic);
    CHECK(config.control.socket == "/run/hallkeeper/hallkeeperd.sock");
    CHECK_FALSE(config.control.group.has_value());
    CHECK(config.runtime.workers == 2);
}

TEST_CASE("a file setting every key yields exactly those settings") {
    const Config config = parsed(R"([node]
id = "window-07"
hall = "xuhui-district"
role = "terminal"

[state]
dir = "/srv/hallkeeper/state"

[log]
level = "debug"
sink = "journald"

[control]
socket = "/run/hk/ctl.sock"
group = "hall-tech"

[runtime]
workers = 4
)");
    CHECK(config.node.id == "window-07");
    CHECK(config.node.hall == "xuhui-district");
    CHECK(config.node.role == Role::terminal);
    CHECK(config.state.dir == "/srv/hallkeeper/state");
    CHECK(config.log.level == LogLevel::debug);
    CHECK(config.log.sink == LogSink::journald);
    CHECK(config.control.socket == "/run/hk/ctl.sock");
    CHECK(config.control.group == "hall-tech");
    CHECK(config.runtime.workers == 4);
}

TEST_CASE("keys not in the file keep their defaults") {
    const Config config = parsed("[log]\nlevel = \"warn\"\n");
    Config expected = embedded_default();
    expected.log.level = LogLevel::warn;
    CHECK(config == expected);
}

TEST_CASE("dotted keys and inline tables are the same as section headers") {
    const Config config = parsed("node.id = \"kiosk-1\"\nlog = { level = \"error\" }\n");
    CHECK(config.node.id == "kiosk-1");
    CHECK(config.log.level == LogLevel::error);
}

TEST_CASE("a syntax error carries toml++'s line and column and no key") {
    const ConfigError error = only_error_of("[node]\nid = \"a\"\nrole = \n");
    CHECK(error.source == "test.toml");
    CHECK(error.line == 3);
    CHECK(error.column == 8);
    CHECK(error.key.empty());
    CHECK_THAT(error.message, Catch::Contains("expected value"));
}

TEST_CASE("a redefined key is a syntax error at the second definition") {
    const ConfigError error = only_error_of("[log]\nlevel = \"info\"\nlevel = \"debug\"\n");
    CHECK(error.line == 3);
    CHECK(error.key.empty());
    CHECK_THAT(error.message, Catch::Contains("level"));
}

TEST_CASE("an unknown section close to a known one suggests it") {
    const ConfigError error = only_error_of("[nod]\nid = \"x\"\n");
    CHECK(error.line == 1);
    CHECK(error.column == 2);
    CHECK(error.key == "nod");
    CHECK(error.message == "unknown section; did you mean [node]?");
}

TEST_CASE("an unknown section far from every known one lists the sections") {
    const ConfigError error = only_error_of("[database]\nurl = \"x\"\n");
    CHECK(error.key == "database");
    CHECK(error.message ==
          "unknown section; the sections are node, state, log, control, runtime, queue, api, "
          "simulation");
}

TEST_CASE("an unknown key close to a known one suggests it") {
    const ConfigError error = only_error_of("[node]\nid = \"a\"\n  rol = \"terminal\"\n");
    CHECK(error.line == 3);
    CHECK(error.column == 3);
    CHECK(error.key == "node.rol");
    CHECK(error.message == "unknown key; did you mean 'role'?");
}

TEST_CASE("a key with two neighbouring letters swapped suggests the known key") {
    const ConfigError error = only_error_of("[runtime]\nwokrers = 3\n");
    CHECK(error.key == "runtime.wokrers");
    CHECK(error.message == "unknown key; did you mean 'workers'?");
}

TEST_CASE("an unknown key far from every known one lists the section's keys") {
    const ConfigError error = only_error_of("[log]\nformat = \"json\"\n");
    CHECK(error.line == 2);
    CHECK(error.column == 1);
    CHECK(error.key == "log.format");
    CHECK(error.message == "unknown key; [log] has level, sink");
}

TEST_CASE("a setting above every section header points to its section") {
    const ConfigError error = only_error_of("role = \"terminal\"\n[node]\nid = \"a\"\n");
    CHECK(error.line == 1);
    CHECK(error.column == 1);
    CHECK(error.key == "role");
    CHECK(error.message == "a setting outside its section; did you mean 'node.role'?");
}

TEST_CASE("an unknown key above every section header names the sections") {
    const ConfigError error = only_error_of("colour = \"red\"\n");
    CHECK(error.key == "colour");
    CHECK(error.message ==
          "unknown key outside any section; settings belong in the sections node, state, log, "
          "control, runtime, queue, api, simulation");
}

TEST_CASE("a string setting given an integer is a type error at the value") {
    const ConfigError error = only_error_of("[node]\nid = 5\n");
    CHECK(error.line == 2);
    CHECK(error.column == 6);
    CHECK(error.key == "node.id");
    CHECK(error.message == "expected a string, got an integer");
}

TEST_CASE("an integer setting given a string is a type error") {
    const ConfigError error = only_error_of("[runtime]\nworkers = \"4\"\n");
    CHECK(error.line == 2);
    CHECK(error.column == 11);
    CHECK(error.key == "runtime.workers");
    CHECK(error.message == "expected an integer, got a string");
}

TEST_CASE("an integer setting given a float is a type error") {
    const ConfigError error = only_error_of("[runtime]\nworkers = 4.0\n");
    CHECK(error.key == "runtime.workers");
    CHECK(error.message == "expected an integer, got a floating-point number");
}

TEST_CASE("a choice setting given a boolean is a type error") {
    const ConfigError error = only_error_of("[log]\nlevel = true\n");
    CHECK(error.key == "log.level");
    CHECK(error.message == "expected a string, got a boolean");
}

TEST_CASE("a section given as a plain value is a type error") {
    const ConfigError error = only_error_of("node = \"controller\"\n");
    CHECK(error.line == 1);
    CHECK(error.column == 8);
    CHECK(error.key == "node");
    CHECK(error.message == "expected a table, got a string");
}

TEST_CASE("a section given as an array of tables is a type error") {
    const ConfigError error = only_error_of("[[log]]\nlevel = \"info\"\n");
    CHECK(error.key == "log");
    CHECK(error.message == "expected a table, got an array");
}

TEST_CASE("every problem in a file is reported in one pass, in file order") {
    const ConfigErrors errors = errors_of(R"([node]
role = "contoller"
id = 7

[log]
levle = "debug"

[runtime]
workers = 0

[extra]
)");
    INFO(test::describe(errors));
    REQUIRE(errors.size() == 5);
    CHECK(errors[0].line == 2);
    CHECK(errors[0].key == "node.role");
    CHECK(errors[1].line == 3);
    CHECK(errors[1].key == "node.id");
    CHECK(errors[2].line == 6);
    CHECK(errors[2].key == "log.levle");
    CHECK(errors[3].line == 9);
    CHECK(errors[3].key == "runtime.workers");
    CHECK(errors[4].line == 11);
    CHECK(errors[4].key == "extra");
}

TEST_CASE("a rejected file reports problems only, never a partly applied config") {
    const auto result = parse("[log]\nlevel = \"debug\"\n[node]\nrole = \"boss\"\n", "test.toml");
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().size() == 1);
}

TEST_CASE("the source name given to parse is carried by every error") {
    const auto result = parse("[node]\nrole = 1\nid = 2\n", "/etc/hallkeeper/hallkeeper.toml");
    REQUIRE_FALSE(result.has_value());
    REQUIRE(result.error().size() == 2);
    for (const auto& error : result.error()) {
        CHECK(error.source == "/etc/hallkeeper/hallkeeper.toml");
    }
}

TEST_CASE("an error prints as file, line, column, key and message") {
    const ConfigError error = only_error_of("[node]\nrole = \"contoller\"\n");
    CHECK(error.to_string() ==
          "test.toml:2:8: key 'node.role': expected one of controller, terminal, got "
          "\"contoller\"");
}

TEST_CASE("an error without a position or key prints only file and message") {
    const ConfigError error{.source = "hall.toml",
                            .line = 0,
                            .column = 0,
                            .key = {},
                            .message = "cannot open the configuration file: Permission denied"};
    CHECK(error.to_string() == "hall.toml: cannot open the configuration file: Permission denied");
}

TEST_CASE("a syntax error prints without a key part") {
    const ConfigError error = only_error_of("[node\n");
    CHECK(error.to_string().starts_with("test.toml:1:6: Error while parsing table header"));
}

TEST_CASE("control characters from the file are escaped in messages") {
    const ConfigError error = only_error_of("[node]\nid = \"bad\\nline\\u001b[31m\"\n");
    CHECK(error.message ==
          "expected 1 to 32 characters from a-z, 0-9 and '-', starting with a letter or digit, "
          "got \"bad\\nline\\x1b[31m\"");
}

TEST_CASE("bidi controls and quotes from the file are escaped in messages") {
    const ConfigError error = only_error_of("[log]\nsink = \"a\\\"b\\u202e\"\n");
    CHECK(error.message == "expected one of auto, stderr, journald, got \"a\\\"b\\u{202e}\"");
}

TEST_CASE("a quoted key with a control character is escaped in the key") {
    const ConfigError error = only_error_of("[node]\n\"ro\\tle\" = \"terminal\"\n");
    CHECK(error.key == "node.ro\\tle");
}

TEST_CASE("Chinese text in a rejected value is shown as it is") {
    const ConfigError error = only_error_of("[node]\nhall = \"徐汇大厅\"\n");
    CHECK_THAT(error.message, Catch::EndsWith("got \"徐汇大厅\""));
}

TEST_CASE("a long rejected value is cut in the message") {
    const std::string value(300, 'X');
    const ConfigError error = only_error_of("[node]\nid = \"" + value + "\"\n");
    CHECK_THAT(error.message,
               Catch::EndsWith("got \"" + std::string(64, 'X') + "\"... (300 bytes)"));
}

TEST_CASE("the enum names are the words the file uses") {
    CHECK(to_string(Role::controller) == "controller");
    CHECK(to_string(Role::terminal) == "terminal");
    CHECK(to_string(LogLevel::trace) == "trace");
    CHECK(to_string(LogLevel::warn) == "warn");
    CHECK(to_string(LogLevel::error) == "error");
    CHECK(to_string(LogSink::automatic) == "auto");
    CHECK(to_string(LogSink::stderr_sink) == "stderr");
    CHECK(to_string(LogSink::journald) == "journald");
}

}  // namespace
}  // namespace hk::config
