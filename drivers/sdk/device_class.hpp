// The kinds of device a hall terminal drives (health.hpp: the health every device reports).
// Names are the stable identifiers used in config files, MQTT topics and hallctl output.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace hk::drivers {

enum class DeviceClass : std::uint8_t {
    ticket_printer,   // 取号机 thermal printer
    id_card_reader,   // 身份证读卡器
    document_camera,  // 高拍仪
    barcode_scanner,  // 扫码枪
    evaluator,        // 评价器
    window_display,   // 窗口屏
    hall_screen,      // 综合屏
    speaker,          // 语音叫号
};

inline constexpr std::array kAllDeviceClasses = {
    DeviceClass::ticket_printer,  DeviceClass::id_card_reader, DeviceClass::document_camera,
    DeviceClass::barcode_scanner, DeviceClass::evaluator,      DeviceClass::window_display,
    DeviceClass::hall_screen,     DeviceClass::speaker,
};

[[nodiscard]] std::string_view to_string(DeviceClass device_class);
[[nodiscard]] std::optional<DeviceClass> parse_device_class(std::string_view name);

}  // namespace hk::drivers
