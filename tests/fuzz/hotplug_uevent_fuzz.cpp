// Fuzz target for the uevent decoder and what consumes its output: decoded properties must
// round-trip through their text form, naming must either fail with a value or give a
// well-formed name, and the hotplug monitor must take any sequence of decoded events (blocks
// separated by an empty line) without crashing.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "drivers/hotplug/hotplug_monitor.hpp"
#include "drivers/hotplug/physical_path.hpp"
#include "drivers/hotplug/uevent.hpp"

namespace {

using namespace hk::drivers::hotplug;

void require(bool condition) {
    if (!condition) {
        std::abort();
    }
}

void check_properties(std::string_view text) {
    const auto parsed = parse_properties(text);
    if (!parsed) {
        return;
    }
    std::string again;
    bool plain = true;
    for (const auto& [key, value] : *parsed) {
        require(!key.empty() && key.find_first_of("=\n") == std::string::npos);
        require(value.find('\n') == std::string::npos);
        plain = plain && (value.empty() || value.back() != '\r');
        again += key;
        again += '=';
        again += value;
        again += '\n';
    }
    if (plain) {
        const auto reparsed = parse_properties(again);
        require(reparsed.has_value() && *reparsed == *parsed);
    }
    if (const auto info = describe_device(*parsed)) {
        const auto& path = info->physical_path;
        require(path.starts_with("usb:") || path.starts_with("serial:") ||
                path.starts_with("path:"));
        require(!path.starts_with("usb:") || (info->vendor_id && info->product_id));
    }
}

}  // namespace

// The libFuzzer entry point (no libFuzzer header declares it).
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    check_properties(input);

    InjectedSource source;
    ManualScheduler clock;
    std::size_t arrived = 0;
    HotplugMonitor monitor(
        source, clock,
        {.arrived = [&](const hk::drivers::DeviceInfo&) { ++arrived; },
         .left = [&](const std::string&) { require(arrived > 0); }},
        {.settle = std::chrono::milliseconds{5}, .debounce = std::chrono::milliseconds{7}});
    require(monitor.start().has_value());
    std::size_t start = 0;
    while (start <= input.size()) {
        const auto end = input.find("\n\n", start);
        const auto block = input.substr(start, end == std::string_view::npos ? end : end - start);
        if (const auto event = parse_uevent(block)) {
            source.inject(*event);
            clock.advance(std::chrono::milliseconds{block.size() % 11});
        }
        if (end == std::string_view::npos) {
            break;
        }
        start = end + 2;
    }
    clock.advance(std::chrono::seconds{1});
    require(monitor.counters().arrivals == arrived);
    require(monitor.present().size() <= arrived);
    return 0;
}
