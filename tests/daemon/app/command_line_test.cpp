// hallkeeperd's command line: overrides are taken as given, mistakes are usage errors.
#include "daemon/app/command_line.hpp"

#include <catch2/catch.hpp>

#include "daemon/app/exit_codes.hpp"

using hk::app::parse_command_line;

namespace {

template <std::size_t N>
auto parse(const char* const (&args)[N]) {
    return parse_command_line(static_cast<int>(N), args);
}

}  // namespace

TEST_CASE("no arguments runs the embedded default") {
    const char* const args[] = {"hallkeeperd"};
    const auto line = parse(args);
    REQUIRE(line.has_value());
    CHECK_FALSE(line->config_file.has_value());
    CHECK_FALSE(line->state_dir.has_value());
    CHECK_FALSE(line->version);
}

TEST_CASE("config, state dir and socket overrides are kept as given") {
    const char* const args[] = {"hallkeeperd", "--config", "/etc/hk.toml", "--state-dir",
                                "/tmp/state",  "--socket", "/tmp/hk.sock"};
    const auto line = parse(args);
    REQUIRE(line.has_value());
    CHECK(line->config_file == "/etc/hk.toml");
    CHECK(line->state_dir == "/tmp/state");
    CHECK(line->socket == "/tmp/hk.sock");
}

TEST_CASE("check-config names the file to check") {
    const char* const args[] = {"hallkeeperd", "--check-config", "hall.toml"};
    const auto line = parse(args);
    REQUIRE(line.has_value());
    CHECK(line->check_config == "hall.toml");
}

TEST_CASE("an unknown option is a usage error naming the option") {
    const char* const args[] = {"hallkeeperd", "--colour"};
    const auto line = parse(args);
    REQUIRE_FALSE(line.has_value());
    CHECK(line.error().exit_code == hk::app::kExitUsage);
    CHECK_THAT(line.error().text, Catch::Contains("--colour"));
}

TEST_CASE("an option missing its value is a usage error") {
    const char* const args[] = {"hallkeeperd", "--config"};
    const auto line = parse(args);
    REQUIRE_FALSE(line.has_value());
    CHECK(line.error().exit_code == hk::app::kExitUsage);
}

TEST_CASE("help prints usage and exits 0") {
    const char* const args[] = {"hallkeeperd", "--help"};
    const auto line = parse(args);
    REQUIRE_FALSE(line.has_value());
    CHECK(line.error().exit_code == 0);
    CHECK_THAT(line.error().text, Catch::Contains("--state-dir"));
}

TEST_CASE("a repeated override takes the last value") {
    const char* const args[] = {"hallkeeperd", "--state-dir", "/a", "--state-dir", "/b"};
    const auto line = parse(args);
    REQUIRE(line.has_value());
    CHECK(line->state_dir == "/b");
}
