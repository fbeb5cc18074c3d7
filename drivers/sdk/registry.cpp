// The driver registry: registration with manifest and ABI checks, lookup, matching, and loading
// driver shared objects (registry.hpp).
#include "drivers/sdk/registry.hpp"

#include <algorithm>
#include <exception>
#include <set>
#include <string>
#include <system_error>
#include <tuple>
#include <utility>

#include <dlfcn.h>
#include <fmt/format.h>

namespace hk::drivers {
namespace {

std::string last_dl_error() {
    const char* text = ::dlerror();
    return text == nullptr ? std::string("unknown error") : std::string(text);
}

std::string joined_problems(const std::vector<std::string>& problems) {
    std::string out;
    for (const auto& problem : problems) {
        if (!out.empty()) {
            out += "; ";
        }
        out += problem;
    }
    return out;
}

// Orders candidates: the more specific match, then the more mature driver, then the name.
bool better(const Candidate& a, const Candidate& b) {
    const auto key = [](const Candidate& c) {
        return std::tuple(-static_cast<int>(c.match.specificity),
                          static_cast<int>(c.driver->manifest.maturity),
                          std::string_view(c.driver->manifest.name));
    };
    return key(a) < key(b);
}

}  // namespace

void DriverRegistry::LibraryCloser::operator()(void* handle) const {
    if (handle != nullptr) {
        static_cast<void>(::dlclose(handle));
    }
}

DriverRegistry::DriverRegistry() = default;
DriverRegistry::~DriverRegistry() = default;
DriverRegistry::DriverRegistry(DriverRegistry&&) noexcept = default;

DriverRegistry& DriverRegistry::operator=(DriverRegistry&& other) noexcept {
    // The old drivers go before the libraries holding their code.
    drivers_ = std::move(other.drivers_);
    libraries_ = std::move(other.libraries_);
    return *this;
}

std::expected<void, std::string> DriverRegistry::add(DriverManifest manifest, DriverFactory factory,
                                                     std::string origin) {
    const std::string shown = manifest.name.empty() ? "(unnamed)" : manifest.name;
    if (!is_compatible(manifest.abi)) {
        return std::unexpected(fmt::format(
            "driver '{}' was built for driver ABI {}, this daemon has {} (the major must be "
            "equal and the minor not newer)",
            shown, to_string(manifest.abi), to_string(kHostAbi)));
    }
    if (const auto problems = validate(manifest); !problems.empty()) {
        return std::unexpected(fmt::format("driver '{}' has an invalid manifest: {}", shown,
                                           joined_problems(problems)));
    }
    if (!factory) {
        return std::unexpected(fmt::format("driver '{}' has no factory", shown));
    }
    if (const auto* existing = find(manifest.name)) {
        return std::unexpected(
            fmt::format("driver '{}' is already registered (from {})", shown, existing->origin));
    }
    drivers_.push_back(
        RegisteredDriver{std::move(manifest), std::move(factory), std::move(origin)});
    return {};
}

const RegisteredDriver* DriverRegistry::find(std::string_view name) const {
    const auto it = std::ranges::find(drivers_, name, [](const RegisteredDriver& d) {
        return std::string_view(d.manifest.name);
    });
    return it == drivers_.end() ? nullptr : &*it;
}

std::vector<std::string_view> DriverRegistry::names() const {
    std::vector<std::string_view> out;
    out.reserve(drivers_.size());
    for (const auto& driver : drivers_) {
        out.emplace_back(driver.manifest.name);
    }
    std::ranges::sort(out);
    return out;
}

std::vector<Candidate> DriverRegistry::candidates(const DeviceInfo& device) const {
    std::vector<Candidate> out;
    for (const auto& driver : drivers_) {
        if (auto match = matches(driver.manifest, device)) {
            out.push_back(Candidate{&driver, std::move(match)});
        }
    }
    std::ranges::sort(out, better);
    return out;
}

std::optional<Candidate> DriverRegistry::best_match(const DeviceInfo& device) const {
    auto all = candidates(device);
    if (all.empty()) {
        return std::nullopt;
    }
    return std::move(all.front());
}

std::expected<std::vector<std::string>, std::string> DriverRegistry::load_plugin(
    const std::filesystem::path& file) {
    static_cast<void>(::dlerror());  // clear a stale error
    std::unique_ptr<void, LibraryCloser> library(::dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL));
    if (!library) {
        return std::unexpected(fmt::format("cannot load: {}", last_dl_error()));
    }
    void* symbol = ::dlsym(library.get(), std::string(kDriverEntrySymbol).c_str());
    if (symbol == nullptr) {
        return std::unexpected(
            fmt::format("not a hallkeeper driver: it has no entry point '{}' (define it with "
                        "HK_DRIVER_PLUGIN)",
                        kDriverEntrySymbol));
    }
    // POSIX guarantees that a data pointer from dlsym converts to a function pointer.
    const auto entry = reinterpret_cast<DriverEntryFunction>(symbol);  // NOLINT
    const DriverPlugin* plugin = entry();
    if (plugin == nullptr || plugin->register_drivers == nullptr) {
        return std::unexpected(
            fmt::format("its entry point '{}' returned no drivers", kDriverEntrySymbol));
    }
    const AbiVersion abi{static_cast<std::uint16_t>(plugin->abi_major),
                         static_cast<std::uint16_t>(plugin->abi_minor)};
    if (plugin->abi_major > 0xFFFFU || plugin->abi_minor > 0xFFFFU || !is_compatible(abi)) {
        return std::unexpected(fmt::format(
            "built for driver ABI {}.{}, this daemon has {} (the major must be equal and the "
            "minor not newer); rebuild the driver against this SDK",
            plugin->abi_major, plugin->abi_minor, to_string(kHostAbi)));
    }

    // Collected in a registrar first: a plugin is added whole or not at all. The registrar
    // holds plugin code (its factories), so it goes before the library is closed.
    std::vector<std::string> added;
    {
        DriverRegistrar registrar;
        try {
            plugin->register_drivers(registrar);
        } catch (const std::exception& e) {
            return std::unexpected(fmt::format("registering its drivers failed: {}", e.what()));
        } catch (...) {
            return std::unexpected(std::string("registering its drivers failed"));
        }
        auto& entries = registrar.entries();
        if (entries.empty()) {
            return std::unexpected(std::string("it registers no drivers"));
        }
        std::set<std::string_view> seen;
        for (auto& entry_driver : entries) {
            const std::string shown =
                entry_driver.manifest.name.empty() ? "(unnamed)" : entry_driver.manifest.name;
            if (!seen.insert(entry_driver.manifest.name).second) {
                return std::unexpected(
                    fmt::format("driver '{}' is registered twice by this file", shown));
            }
            if (!is_compatible(entry_driver.manifest.abi)) {
                return std::unexpected(
                    fmt::format("driver '{}' declares driver ABI {}, this daemon has {}", shown,
                                to_string(entry_driver.manifest.abi), to_string(kHostAbi)));
            }
            if (const auto problems = validate(entry_driver.manifest); !problems.empty()) {
                return std::unexpected(fmt::format("driver '{}' has an invalid manifest: {}", shown,
                                                   joined_problems(problems)));
            }
            if (!entry_driver.factory) {
                return std::unexpected(fmt::format("driver '{}' has no factory", shown));
            }
            if (const auto* existing = find(entry_driver.manifest.name)) {
                return std::unexpected(fmt::format("driver '{}' is already registered (from {})",
                                                   shown, existing->origin));
            }
        }
        for (auto& entry_driver : entries) {
            added.push_back(entry_driver.manifest.name);
            entry_driver.origin = file.string();
            drivers_.push_back(std::move(entry_driver));
        }
    }
    libraries_.push_back(std::move(library));
    return added;
}

std::expected<LoadReport, std::string> DriverRegistry::load_directory(
    const std::filesystem::path& directory) {
    std::error_code error;
    std::vector<std::filesystem::path> files;
    for (std::filesystem::directory_iterator it(directory, error), end; !error && it != end;
         it.increment(error)) {
        const auto& path = it->path();
        if (path.extension() == ".so" && !it->is_directory(error)) {
            files.push_back(path);
        }
    }
    if (error) {
        return std::unexpected(fmt::format("cannot read the driver directory {}: {}",
                                           directory.string(), error.message()));
    }
    std::ranges::sort(files);
    LoadReport report;
    for (const auto& file : files) {
        auto loaded = load_plugin(file);
        if (!loaded) {
            report.refused.push_back(PluginRefusal{file, std::move(loaded.error())});
            continue;
        }
        report.loaded.insert(report.loaded.end(), loaded->begin(), loaded->end());
    }
    return report;
}

}  // namespace hk::drivers
