// ESC/POS thermal ticket printers (docs/drivers.md, "escpos_serial_printer",
// "escpos_network_printer"): on a serial port (RS-232, USB-serial) or the network (TCP 9100).
// Jobs are printed one at a time and each ends with a status round trip, so "printed" means the
// printer said it had paper and no fault after the ticket. Paper near its end is health
// `degraded`/`paper_low`; paper out, cover open and cutter or other errors `faulted` with that
// code. A job interrupted by a fault or a lost link is held, not failed, and printed again when
// the printer can — marked "补打 REPRINT", since part of it may be on paper already.
#pragma once

#include <cstdint>
#include <vector>

#include "drivers/sdk/device_classes.hpp"
#include "drivers/sdk/registry.hpp"
#include "protocols/escpos/encoder.hpp"

namespace hk::drivers::printer {

inline constexpr std::string_view kSerialPrinterDriver = "escpos_serial_printer";
inline constexpr std::string_view kNetworkPrinterDriver = "escpos_network_printer";

[[nodiscard]] DriverManifest serial_printer_manifest();
[[nodiscard]] DriverManifest network_printer_manifest();
void register_drivers(DriverRegistry& registry);

// The ESC/POS bytes of one ticket: each line wrapped to the paper at its size, the symbol, a
// feed and a cut; `reprint_mark` prints "补打 REPRINT" first.
[[nodiscard]] std::vector<std::uint8_t> ticket_bytes(const PrintJob& job,
                                                     const proto::escpos::Profile& profile,
                                                     bool reprint_mark);

}  // namespace hk::drivers::printer
