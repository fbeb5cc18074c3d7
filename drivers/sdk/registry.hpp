// The driver registry: every driver the daemon can use, as its manifest and factory. Drivers
// compiled into the daemon are registered explicitly (drivers/builtin.hpp, no reliance on
// static initialisation); drivers built as shared objects are loaded from a directory through
// their `hk_driver_entry` entry point, with the same manifest checks plus an ABI check. The
// registry answers "which driver is called X" and "which driver would take this device".
#pragma once

#include <cstdint>
#include <expected>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "drivers/sdk/device_info.hpp"
#include "drivers/sdk/driver.hpp"
#include "drivers/sdk/manifest.hpp"

namespace hk::drivers {

struct RegisteredDriver {
    DriverManifest manifest;
    DriverFactory factory;
    std::string origin;  // "built-in", or the shared object's path
};

// What a shared object hands back: its drivers, collected by the registry. Header-only, so a
// plugin calls it without linking the host.
class DriverRegistrar {
public:
    void add(DriverManifest manifest, DriverFactory factory) {
        entries_.push_back(RegisteredDriver{std::move(manifest), std::move(factory), {}});
    }
    [[nodiscard]] std::vector<RegisteredDriver>& entries() { return entries_; }

private:
    std::vector<RegisteredDriver> entries_;
};

// The entry point of a driver shared object, with C linkage and a plain layout so that the
// host can read the ABI version before touching anything else:
//
//   extern "C" const hk::drivers::DriverPlugin* hk_driver_entry();
//
// HK_DRIVER_PLUGIN(register_function) defines it.
struct DriverPlugin {
    std::uint32_t abi_major;
    std::uint32_t abi_minor;
    // Called only when the ABI is compatible; adds the plugin's drivers.
    void (*register_drivers)(DriverRegistrar& registrar);
};

inline constexpr std::string_view kDriverEntrySymbol = "hk_driver_entry";
using DriverEntryFunction = const DriverPlugin* (*)();

#define HK_DRIVER_PLUGIN(register_function)                                                       \
    extern "C" const ::hk::drivers::DriverPlugin* hk_driver_entry();                              \
    extern "C" const ::hk::drivers::DriverPlugin* hk_driver_entry() {                             \
        static const ::hk::drivers::DriverPlugin plugin{                                          \
            ::hk::drivers::kDriverAbiMajor, ::hk::drivers::kDriverAbiMinor, (register_function)}; \
        return &plugin;                                                                           \
    }

// The best driver for a device, and how it matched.
struct Candidate {
    const RegisteredDriver* driver = nullptr;
    Match match;
};

// One shared object that was not loaded, and why.
struct PluginRefusal {
    std::filesystem::path file;
    std::string reason;
};

struct LoadReport {
    std::vector<std::string> loaded;  // names of the drivers added, in load order
    std::vector<PluginRefusal> refused;
};

class DriverRegistry {
public:
    DriverRegistry();
    ~DriverRegistry();
    DriverRegistry(const DriverRegistry&) = delete;
    DriverRegistry& operator=(const DriverRegistry&) = delete;
    DriverRegistry(DriverRegistry&&) noexcept;
    DriverRegistry& operator=(DriverRegistry&&) noexcept;

    // Adds a driver after checking its manifest (validate), its ABI and that its name is new.
    std::expected<void, std::string> add(DriverManifest manifest, DriverFactory factory,
                                         std::string origin = "built-in");

    [[nodiscard]] const RegisteredDriver* find(std::string_view name) const;
    [[nodiscard]] std::vector<std::string_view> names() const;  // sorted
    [[nodiscard]] const std::vector<RegisteredDriver>& drivers() const { return drivers_; }

    // Every driver that would take the device, best first: the most specific match, then the
    // more mature driver, then by name.
    [[nodiscard]] std::vector<Candidate> candidates(const DeviceInfo& device) const;
    [[nodiscard]] std::optional<Candidate> best_match(const DeviceInfo& device) const;

    // Loads one shared object: all of its drivers or, on any problem, none (and unloads it).
    // Returns the names of the drivers added.
    std::expected<std::vector<std::string>, std::string> load_plugin(
        const std::filesystem::path& file);

    // Loads every "*.so" file of the directory, in name order. A file that is refused does
    // not stop the others. An unreadable directory is an error.
    std::expected<LoadReport, std::string> load_directory(const std::filesystem::path& directory);

private:
    struct LibraryCloser {
        void operator()(void* handle) const;
    };
    // Declared before drivers_, so the factories (code of the libraries) are destroyed first.
    std::vector<std::unique_ptr<void, LibraryCloser>> libraries_;
    std::vector<RegisteredDriver> drivers_;
};

}  // namespace hk::drivers
