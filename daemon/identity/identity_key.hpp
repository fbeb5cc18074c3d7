// The key that turns an ID number into an identity hash (docs/privacy.md): HMAC-SHA-256 of
// the number, so the queue can keep one waiting ticket per ID card and match appointments
// without ever holding the number. The key is 32 random bytes in the state directory
// (`identity.key`, owner-only), made at first start. Every node of a hall must hash alike; until
// the platform hands out the hall's key (MQTT sync), each node has its own.
#pragma once

#include <array>
#include <expected>
#include <filesystem>
#include <string>
#include <string_view>

namespace hk::identity {

inline constexpr std::size_t kKeyBytes = 32;

class IdentityKey {
public:
    // Reads `file`, or creates it (mode 0600, written to a temporary file and renamed) when it
    // does not exist. A file of another size, or one others may read, is refused with a message.
    [[nodiscard]] static std::expected<IdentityKey, std::string> load_or_create(
        const std::filesystem::path& file);
    // For tests.
    explicit IdentityKey(const std::array<unsigned char, kKeyBytes>& bytes) : key_(bytes) {}

    // 64 lowercase hex digits. The ID number is upper-cased first (a check digit 'x' or 'X').
    [[nodiscard]] std::string hash(std::string_view id_number) const;

private:
    std::array<unsigned char, kKeyBytes> key_{};
};

}  // namespace hk::identity
