// What a simulated device offers besides its class's operations: actions that play the part
// of the world around it (a citizen lays a card on the reader, the paper runs out, a key is
// pressed) and a view of its inner state. The device manager runs these for `hallctl devices
// simulate`, for the demo's scenario script and for tests (docs/drivers.md).
//
// Header-only, like the rest of the SDK a shared-object driver uses.
#pragma once

#include <expected>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hk::drivers {

struct SimulationAction {
    std::string name;       // "present_card"
    std::string arguments;  // how its arguments are written, for help: "KEY (1..buttons)"
    std::string help;       // one line
};

class SimulationControl {
public:
    virtual ~SimulationControl() = default;
    [[nodiscard]] virtual std::vector<SimulationAction> simulation_actions() const = 0;
    // Performs `action` now. Returns one line saying what happened, or why it cannot be done
    // (unknown action, wrong arguments, not possible in this state: no card to remove).
    // Effects that take time (reading the card) follow on the loop.
    virtual std::expected<std::string, std::string> simulate(
        std::string_view action, const std::vector<std::string>& args) = 0;
    // The simulated device's inner state as name/value pairs, in a stable order, for hallctl
    // and tests: {"paper_left", "287"}, {"showing", "A001 请到3号窗口"}. No personal data.
    [[nodiscard]] virtual std::vector<std::pair<std::string, std::string>> simulation_state()
        const = 0;
};

}  // namespace hk::drivers
