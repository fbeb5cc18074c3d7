// ESC/POS byte sequences for the emulator's tests, written by hand from the command reference
// (never produced by the tree's encoder, which these tests cross-check). Chinese text is given
// as its GB18030 bytes.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

namespace hk::test::escpos::bytes {

inline std::string of(std::initializer_list<int> values) {
    std::string out;
    for (const int v : values) {
        out += static_cast<char>(static_cast<std::uint8_t>(v));
    }
    return out;
}

inline const std::string kInit = of({0x1B, '@'});           // ESC @
inline const std::string kKanjiOn = of({0x1C, '&'});        // FS &
inline const std::string kKanjiOff = of({0x1C, '.'});       // FS .
inline const std::string kLf = of({0x0A});                  // LF
inline const std::string kCut = of({0x1D, 'V', 0});         // GS V 0: full cut
inline const std::string kPartialCut = of({0x1D, 'V', 1});  // GS V 1

inline std::string align(int n) {
    return of({0x1B, 'a', n});
}  // ESC a n
inline std::string bold(bool on) {
    return of({0x1B, 'E', on ? 1 : 0});
}
inline std::string size(int width, int height) {  // GS ! n
    return of({0x1D, '!', ((width - 1) << 4) | (height - 1)});
}
inline std::string feed_lines(int n) {
    return of({0x1B, 'd', n});
}  // ESC d n
inline std::string feed_cut(int n) {
    return of({0x1D, 'V', 66, n});
}  // GS V 66 n
inline std::string dle_eot(int n) {
    return of({0x10, 0x04, n});
}
inline std::string asb(int n) {
    return of({0x1D, 'a', n});
}  // GS a n

// GS ( k with cn = 49 (QR): pL pH cn fn [parameters].
inline std::string qr_function(int fn, std::string_view parameters) {
    const auto p = parameters.size() + 2;
    return of({0x1D, '(', 'k', static_cast<int>(p & 0xFF), static_cast<int>(p >> 8), 49, fn}) +
           std::string(parameters);
}
inline std::string qr_model2() {
    return qr_function(65, of({50, 0}));
}
inline std::string qr_module(int n) {
    return qr_function(67, of({n}));
}
inline std::string qr_level(char level) {  // 'L', 'M', 'Q', 'H'
    const int n = level == 'L' ? 48 : level == 'M' ? 49 : level == 'Q' ? 50 : 51;
    return qr_function(69, of({n}));
}
inline std::string qr_store(std::string_view data) {
    return qr_function(80, "0" + std::string(data));
}
inline std::string qr_print() {
    return qr_function(81, "0");
}

// GS h n, GS w n, GS H n, then GS k 73 n d1..dn (data starts with {A, {B or {C).
inline std::string code128(std::string_view data, int height = 80, int module = 2, int hri = 2) {
    return of({0x1D, 'h', height, 0x1D, 'w', module, 0x1D, 'H', hri, 0x1D, 'k', 73,
               static_cast<int>(data.size())}) +
           std::string(data);
}

// 取号 (take a number), 政务服务中心 (government service centre), 请稍候 (please wait), 窗口
// (window) in GB18030.
inline const std::string kQuHao = of({0xC8, 0xA1, 0xBA, 0xC5});
inline const std::string kZhengWuFuWuZhongXin =
    of({0xD5, 0xFE, 0xCE, 0xF1, 0xB7, 0xFE, 0xCE, 0xF1, 0xD6, 0xD0, 0xD0, 0xC4});
inline const std::string kQingShaoHou = of({0xC7, 0xEB, 0xC9, 0xD4, 0xBA, 0xF2});
inline const std::string kChuangKou = of({0xB4, 0xB0, 0xBF, 0xDA});

// A hall ticket as a kiosk prints it: a big centred number, the hall's name, a QR code and a
// Code128 of the ticket id, fed and cut.
inline std::string ticket(std::string_view number, std::string_view id) {
    return kInit + kKanjiOn + align(1) + size(2, 2) + bold(true) + kQuHao + " " +
           std::string(number) + kLf + size(1, 1) + bold(false) + kZhengWuFuWuZhongXin + kLf +
           kQingShaoHou + " " + kChuangKou + " 3" + kLf + kLf + qr_model2() + qr_module(6) +
           qr_level('M') + qr_store(id) + qr_print() + kLf + code128("{B" + std::string(id)) + kLf +
           feed_lines(3) + feed_cut(0);
}

}  // namespace hk::test::escpos::bytes
