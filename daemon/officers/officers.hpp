// The hall's officers (窗口工作人员) as the counter login needs them: 工号, name and a PIN kept
// only as an Argon2id hash (libsodium's crypto_pwhash_str), in the state database; and the
// login throttle (docs/officers.md).
//
// Hashing and verifying a PIN take about a tenth of a second and 64 MiB on purpose: they are
// pure functions meant for the worker pool, never the loop. The store itself is the loop's.
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/store/database.hpp"

namespace hk::officers {

inline constexpr std::size_t kMaxOfficerIdBytes = 32;
inline constexpr std::size_t kMaxNameBytes = 64;
inline constexpr std::size_t kMinPinDigits = 4;
inline constexpr std::size_t kMaxPinDigits = 12;
// Failures in a row before an officer's logins are refused for a while, and for how long.
inline constexpr int kFailuresBeforeLock = 5;
inline constexpr std::int64_t kLockMs = std::int64_t{5} * 60 * 1000;

// Why an officer id, name or PIN is not acceptable, or nullopt when it is.
[[nodiscard]] std::optional<std::string> check_officer_id(std::string_view id);  // [A-Za-z0-9_-]
[[nodiscard]] std::optional<std::string> check_name(std::string_view name);  // UTF-8, no controls
[[nodiscard]] std::optional<std::string> check_pin(std::string_view pin);    // 4 to 12 digits

// An Argon2id hash of `pin` in libsodium's string format ("$argon2id$v=19$m=…"). Slow: pool
// only. Fails only when memory cannot be had.
[[nodiscard]] std::expected<std::string, std::string> hash_pin(std::string_view pin);
// Whether `pin` matches `hash`. Slow: pool only. A malformed hash never matches.
[[nodiscard]] bool verify_pin(std::string_view hash, std::string_view pin);

struct Officer {
    std::string id;    // 工号
    std::string name;  // shown on the counter and the evaluator
    std::string pin_hash;
    std::int64_t updated_ms = 0;
    int failed_logins = 0;  // in a row
    std::int64_t locked_until_ms = 0;
};

// The officers table (migration "officers"). Call on the loop only.
class OfficerStore {
public:
    explicit OfficerStore(store::Database& db) : db_(&db) {}

    [[nodiscard]] store::Result<std::optional<Officer>> find(std::string_view id);
    [[nodiscard]] store::Result<std::vector<Officer>> list();
    // Adds or replaces an officer (name and PIN hash); resets the throttle.
    store::Result<void> put(std::string_view id, std::string_view name, std::string_view pin_hash,
                            std::int64_t now_ms);
    // Whether there was such an officer.
    store::Result<bool> remove(std::string_view id);
    // A failed login: counts it, and locks the officer for kLockMs at kFailuresBeforeLock.
    store::Result<void> record_failure(std::string_view id, std::int64_t now_ms);
    // A successful login: clears the count.
    store::Result<void> record_success(std::string_view id);

private:
    store::Database* db_;
};

}  // namespace hk::officers
