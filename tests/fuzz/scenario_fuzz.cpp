// Fuzz target for the simulation scenario parser: any text is either refused with a line
// inside the text, or gives steps whose fields keep the parser's promises.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "daemon/devices/scenario.hpp"

namespace {

void require(bool condition) {
    if (!condition) {
        std::abort();
    }
}

}  // namespace

// The libFuzzer entry point (no libFuzzer header declares it).
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto parsed = hk::devices::parse_scenario(text);
    const auto lines = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
    if (!parsed) {
        require(parsed.error().line <= lines);
        require(!parsed.error().message.empty());
        return 0;
    }
    require(!parsed->empty() && parsed->size() <= hk::devices::kMaxScenarioSteps);
    std::size_t previous_line = 0;
    for (const auto& step : *parsed) {
        require(step.line > previous_line && step.line <= lines);
        previous_line = step.line;
        require(step.wait <= hk::devices::kMaxScenarioWait);
        require(!step.device.empty() && !step.action.empty());
        for (const auto& arg : step.args) {
            for (const char c : arg) {
                require(static_cast<unsigned char>(c) >= 0x20 && c != 0x7f);
            }
        }
    }
    return 0;
}
