// Reading the config file: the file name in every error, and the files load_file refuses
// before parsing (missing, unreadable, a directory, too large).
#include <cstddef>
#include <string>

#include <catch2/catch.hpp>

#include "daemon/config/config.hpp"
#include "tests/daemon/config/config_test_support.hpp"
#include "tests/support/temp_dir.hpp"

namespace hk::config {
namespace {

using hk::test::TempDir;
using hk::test::write_file;

constexpr std::size_t kMiB = std::size_t{1024} * 1024;

// The single error loading `file` yields.
ConfigError only_load_error(const std::filesystem::path& file) {
    const auto result = load_file(file);
    REQUIRE_FALSE(result.has_value());
    INFO(test::describe(result.error()));
    REQUIRE(result.error().size() == 1);
    return result.error().front();
}

TEST_CASE("load_file reads and validates a config file") {
    const TempDir dir;
    write_file(dir / "hall.toml", "[node]\nid = \"window-3\"\nrole = \"terminal\"\n");
    const auto result = load_file(dir / "hall.toml");
    REQUIRE(result.has_value());
    CHECK(result->node.id == "window-3");
    CHECK(result->node.role == Role::terminal);
}

TEST_CASE("a relative simulation script is taken relative to the config file") {
    const TempDir dir;
    write_file(dir / "hall.toml", "[simulation]\nscript = \"scenarios/demo.txt\"\nrepeat = true\n");
    const auto relative = load_file(dir / "hall.toml");
    REQUIRE(relative.has_value());
    REQUIRE(relative->simulation.script.has_value());
    CHECK(*relative->simulation.script == dir / "scenarios" / "demo.txt");
    CHECK(relative->simulation.repeat);

    write_file(dir / "abs.toml", "[simulation]\nscript = \"/srv/demo.txt\"\n");
    const auto absolute = load_file(dir / "abs.toml");
    REQUIRE(absolute.has_value());
    CHECK(absolute->simulation.script == std::filesystem::path("/srv/demo.txt"));
    CHECK_FALSE(absolute->simulation.repeat);
}

TEST_CASE("the local API is off by default and its settings are checked") {
    const TempDir dir;
    write_file(dir / "none.toml", "");
    const auto none = load_file(dir / "none.toml");
    REQUIRE(none.has_value());
    CHECK_FALSE(none->api.enabled);
    CHECK(none->api.port == 8470);

    write_file(dir / "api.toml",
               "[api]\nenabled = true\naddress = \"::1\"\nport = 0\nui_dir = \"ui/dist\"\n");
    const auto api = load_file(dir / "api.toml");
    REQUIRE(api.has_value());
    CHECK(api->api.enabled);
    CHECK(api->api.address == "::1");
    CHECK(api->api.port == 0);
    CHECK(api->api.ui_dir == dir / "ui" / "dist");

    write_file(dir / "address.toml", "[api]\naddress = \"localhost\"\n");
    CHECK(only_load_error(dir / "address.toml").message ==
          "expected an IP address such as \"127.0.0.1\" or \"::1\", got \"localhost\"");
    write_file(dir / "port.toml", "[api]\nport = 70000\n");
    CHECK(only_load_error(dir / "port.toml").key == "api.port");
}

TEST_CASE("a simulation script must be a non-empty path and repeat a boolean") {
    const TempDir dir;
    write_file(dir / "empty.toml", "[simulation]\nscript = \"\"\n");
    CHECK(only_load_error(dir / "empty.toml").message == "expected a file path, got \"\"");
    write_file(dir / "repeat.toml", "[simulation]\nrepeat = \"yes\"\n");
    CHECK(only_load_error(dir / "repeat.toml").key == "simulation.repeat");
}

TEST_CASE("load_file names the file in the errors of its content") {
    const TempDir dir;
    const auto file = dir / "hall.toml";
    write_file(file, "[node]\nrole = \"contoller\"\n");
    const ConfigError error = only_load_error(file);
    CHECK(error.source == file.string());
    CHECK(error.to_string() == file.string() +
                                   ":2:8: key 'node.role': expected one of controller, terminal, "
                                   "got \"contoller\"");
}

TEST_CASE("a missing file is one error at line 0 saying why") {
    const TempDir dir;
    const auto file = dir / "absent.toml";
    const ConfigError error = only_load_error(file);
    CHECK(error.source == file.string());
    CHECK(error.line == 0);
    CHECK(error.column == 0);
    CHECK(error.key.empty());
    CHECK(error.message == "cannot open the configuration file: No such file or directory");
    CHECK(error.to_string() ==
          file.string() + ": cannot open the configuration file: No such file or directory");
}

TEST_CASE("a path through a regular file is one error saying why") {
    const TempDir dir;
    write_file(dir / "plain", "");
    const ConfigError error = only_load_error(dir / "plain" / "hall.toml");
    CHECK(error.line == 0);
    CHECK(error.message == "cannot open the configuration file: Not a directory");
}

TEST_CASE("a directory is refused") {
    const TempDir dir;
    const ConfigError error = only_load_error(dir.path());
    CHECK(error.source == dir.path().string());
    CHECK(error.line == 0);
    CHECK(error.message == "is a directory, not a configuration file");
}

TEST_CASE("a file of exactly 1 MiB is parsed") {
    const TempDir dir;
    std::string text = "[log]\nlevel = \"warn\"\n";
    text.resize(kMiB, '#');  // the rest is one long comment
    write_file(dir / "big.toml", text);
    const auto result = load_file(dir / "big.toml");
    REQUIRE(result.has_value());
    CHECK(result->log.level == LogLevel::warn);
}

TEST_CASE("a file larger than 1 MiB is refused without parsing") {
    const TempDir dir;
    write_file(dir / "hallkeeperd.log", std::string(kMiB + 1, 'x'));
    const ConfigError error = only_load_error(dir / "hallkeeperd.log");
    CHECK(error.line == 0);
    CHECK(error.message ==
          "the file has more than 1048576 bytes (1048577); a configuration is a few lines, is "
          "this the right file?");
}

TEST_CASE("an empty file loads as the embedded default") {
    const TempDir dir;
    write_file(dir / "empty.toml", "");
    const auto result = load_file(dir / "empty.toml");
    REQUIRE(result.has_value());
    CHECK(*result == embedded_default());
}

}  // namespace
}  // namespace hk::config
