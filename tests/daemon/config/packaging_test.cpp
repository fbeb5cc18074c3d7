// The config files the project ships: the reference config must describe exactly the embedded
// default, and the demo config must be valid.
#include <filesystem>

#include <catch2/catch.hpp>

#include "daemon/config/config.hpp"
#include "tests/daemon/config/config_test_support.hpp"

namespace hk::config {
namespace {

const std::filesystem::path kPackaging = std::filesystem::path(HK_SOURCE_DIR) / "packaging";

Config loaded(const std::filesystem::path& file) {
    auto result = load_file(file);
    if (!result) {
        FAIL("unexpected errors:\n" << test::describe(result.error()));
    }
    return *result;
}

TEST_CASE("the reference config states exactly the embedded default") {
    CHECK(loaded(kPackaging / "hallkeeper.toml") == embedded_default());
}

TEST_CASE("the demo config is a valid controller of the demo hall") {
    const Config config = loaded(kPackaging / "demo.toml");
    CHECK(config.node.id == "demo-hall-ctl");
    CHECK(config.node.hall == "demo-hall");
    CHECK(config.node.role == Role::controller);
    CHECK(config.log.level == LogLevel::info);
    CHECK(config.log.sink == LogSink::stderr_sink);
}

TEST_CASE("the demo config leaves the paths the demo overrides at their defaults") {
    const Config config = loaded(kPackaging / "demo.toml");
    CHECK(config.state.dir == embedded_default().state.dir);
    CHECK(config.control.socket == embedded_default().control.socket);
}

}  // namespace
}  // namespace hk::config
