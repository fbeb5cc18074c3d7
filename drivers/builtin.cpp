// The drivers compiled into hallkeeperd: see builtin.hpp.
#include "drivers/builtin.hpp"

#include "drivers/host/sdk_id_card_reader.hpp"
#include "drivers/printer/escpos_printer.hpp"
#include "drivers/scanner/serial_scanner.hpp"
#include "drivers/simulated/simulated.hpp"

namespace hk::drivers {

void register_builtin_drivers(DriverRegistry& registry) {
    // One line per family of compiled-in drivers; each registers its own manifests.
    simulated::register_drivers(registry);
    scanner::register_drivers(registry);
    printer::register_drivers(registry);
    host::register_drivers(registry);
}

const DriverRegistry& builtin_drivers() {
    static const DriverRegistry registry = [] {
        DriverRegistry built;
        register_builtin_drivers(built);
        return built;
    }();
    return registry;
}

}  // namespace hk::drivers
