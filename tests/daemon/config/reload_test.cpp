// restart_required_changes: which changed settings a SIGHUP reload cannot apply.
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "daemon/config/config.hpp"

namespace hk::config {
namespace {

using Names = std::vector<std::string>;

TEST_CASE("identical configs need no restart") {
    CHECK(restart_required_changes(embedded_default(), embedded_default()).empty());
}

TEST_CASE("log settings apply on reload without a restart") {
    Config reloaded = embedded_default();
    reloaded.log.level = LogLevel::trace;
    reloaded.log.sink = LogSink::journald;
    CHECK(restart_required_changes(embedded_default(), reloaded).empty());
}

TEST_CASE("every node, path, control and runtime change needs a restart") {
    Config reloaded = embedded_default();
    reloaded.node.id = "other-node";
    reloaded.node.hall = "other-hall";
    reloaded.node.role = Role::terminal;
    reloaded.state.dir = "/srv/state";
    reloaded.control.socket = "/run/other.sock";
    reloaded.control.group = "tech";
    reloaded.runtime.workers = 8;
    CHECK(restart_required_changes(embedded_default(), reloaded) ==
          Names{"node.id", "node.hall", "node.role", "state.dir", "control.socket", "control.group",
                "runtime.workers"});
}

TEST_CASE("only the settings that changed are named") {
    Config reloaded = embedded_default();
    reloaded.runtime.workers = 3;
    reloaded.log.level = LogLevel::debug;
    CHECK(restart_required_changes(embedded_default(), reloaded) == Names{"runtime.workers"});
}

TEST_CASE("removing the socket group needs a restart") {
    Config running = embedded_default();
    running.control.group = "tech";
    CHECK(restart_required_changes(running, embedded_default()) == Names{"control.group"});
}

}  // namespace
}  // namespace hk::config
