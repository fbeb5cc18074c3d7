// The hall's officers: see officers.hpp.
#include "daemon/officers/officers.hpp"

#include <algorithm>
#include <array>

#include <fmt/format.h>
#include <sodium.h>

namespace hk::officers {
namespace {

// sodium_init is thread-safe and idempotent; it only fails when no randomness is available.
bool sodium_ready() {
    static const bool ready = sodium_init() >= 0;
    return ready;
}

bool is_utf8_without_controls(std::string_view text) {
    std::size_t i = 0;
    while (i < text.size()) {
        const auto lead = static_cast<unsigned char>(text[i]);
        if (lead < 0x20 || lead == 0x7f) {
            return false;
        }
        std::size_t length = 1;
        if (lead >= 0x80) {
            if ((lead & 0xe0U) == 0xc0) {
                length = 2;
            } else if ((lead & 0xf0U) == 0xe0) {
                length = 3;
            } else if ((lead & 0xf8U) == 0xf0) {
                length = 4;
            } else {
                return false;
            }
            if (i + length > text.size()) {
                return false;
            }
            for (std::size_t k = 1; k < length; ++k) {
                if ((static_cast<unsigned char>(text[i + k]) & 0xc0U) != 0x80) {
                    return false;
                }
            }
        }
        i += length;
    }
    return true;
}

Officer officer_from(const store::Statement& row) {
    return Officer{.id = row.column_text(0),
                   .name = row.column_text(1),
                   .pin_hash = row.column_text(2),
                   .updated_ms = row.column_int(3),
                   .failed_logins = static_cast<int>(row.column_int(4)),
                   .locked_until_ms = row.column_int(5)};
}

constexpr std::string_view kColumns =
    "id, name, pin_hash, updated_ms, failed_logins, locked_until_ms";

}  // namespace

std::optional<std::string> check_officer_id(std::string_view id) {
    const bool valid =
        !id.empty() && id.size() <= kMaxOfficerIdBytes && std::ranges::all_of(id, [](char c) {
            return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                   c == '_' || c == '-';
        });
    if (valid) {
        return std::nullopt;
    }
    return fmt::format("an officer id (工号) is 1 to {} characters from A-Z, a-z, 0-9, '_' and '-'",
                       kMaxOfficerIdBytes);
}

std::optional<std::string> check_name(std::string_view name) {
    if (!name.empty() && name.size() <= kMaxNameBytes && is_utf8_without_controls(name)) {
        return std::nullopt;
    }
    return fmt::format("a name is 1 to {} bytes of UTF-8 text without control characters",
                       kMaxNameBytes);
}

std::optional<std::string> check_pin(std::string_view pin) {
    if (pin.size() >= kMinPinDigits && pin.size() <= kMaxPinDigits &&
        std::ranges::all_of(pin, [](char c) { return c >= '0' && c <= '9'; })) {
        return std::nullopt;
    }
    return fmt::format("a PIN is {} to {} digits", kMinPinDigits, kMaxPinDigits);
}

std::expected<std::string, std::string> hash_pin(std::string_view pin) {
    if (!sodium_ready()) {
        return std::unexpected(std::string("libsodium could not be initialised"));
    }
    std::array<char, crypto_pwhash_STRBYTES> out{};
    if (crypto_pwhash_str(out.data(), pin.data(), pin.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
        return std::unexpected(std::string("out of memory while hashing the PIN"));
    }
    return std::string(out.data());
}

bool verify_pin(std::string_view hash, std::string_view pin) {
    if (!sodium_ready() || hash.empty() || hash.size() >= crypto_pwhash_STRBYTES) {
        return false;
    }
    const std::string terminated(hash);  // libsodium reads a NUL-terminated string
    return crypto_pwhash_str_verify(terminated.c_str(), pin.data(), pin.size()) == 0;
}

store::Result<std::optional<Officer>> OfficerStore::find(std::string_view id) {
    auto statement = db_->cached(fmt::format("SELECT {} FROM officers WHERE id = ?1", kColumns));
    if (!statement) {
        return std::unexpected(statement.error());
    }
    if (auto bound = (*statement)->bind(1, id); !bound) {
        return std::unexpected(bound.error());
    }
    auto row = (*statement)->step();
    if (!row) {
        return std::unexpected(row.error());
    }
    if (!*row) {
        return std::optional<Officer>();
    }
    return std::optional<Officer>(officer_from(**statement));
}

store::Result<std::vector<Officer>> OfficerStore::list() {
    auto statement = db_->cached(fmt::format("SELECT {} FROM officers ORDER BY id", kColumns));
    if (!statement) {
        return std::unexpected(statement.error());
    }
    std::vector<Officer> out;
    while (true) {
        auto row = (*statement)->step();
        if (!row) {
            return std::unexpected(row.error());
        }
        if (!*row) {
            return out;
        }
        out.push_back(officer_from(**statement));
    }
}

store::Result<void> OfficerStore::put(std::string_view id, std::string_view name,
                                      std::string_view pin_hash, std::int64_t now_ms) {
    auto statement = db_->cached(
        "INSERT INTO officers(id, name, pin_hash, updated_ms, failed_logins, locked_until_ms) "
        "VALUES (?1, ?2, ?3, ?4, 0, 0) ON CONFLICT(id) DO UPDATE SET name = excluded.name, "
        "pin_hash = excluded.pin_hash, updated_ms = excluded.updated_ms, failed_logins = 0, "
        "locked_until_ms = 0");
    if (!statement) {
        return std::unexpected(statement.error());
    }
    if (auto bound = (*statement)->bind_all({id, name, pin_hash, now_ms}); !bound) {
        return std::unexpected(bound.error());
    }
    return (*statement)->run();
}

store::Result<bool> OfficerStore::remove(std::string_view id) {
    auto statement = db_->cached("DELETE FROM officers WHERE id = ?1 RETURNING id");
    if (!statement) {
        return std::unexpected(statement.error());
    }
    if (auto bound = (*statement)->bind(1, id); !bound) {
        return std::unexpected(bound.error());
    }
    auto row = (*statement)->step();
    if (!row) {
        return std::unexpected(row.error());
    }
    return *row;
}

store::Result<void> OfficerStore::record_failure(std::string_view id, std::int64_t now_ms) {
    auto statement = db_->cached(
        "UPDATE officers SET failed_logins = failed_logins + 1, locked_until_ms = CASE WHEN "
        "failed_logins + 1 >= ?2 THEN ?3 ELSE locked_until_ms END WHERE id = ?1");
    if (!statement) {
        return std::unexpected(statement.error());
    }
    if (auto bound =
            (*statement)->bind_all({id, std::int64_t{kFailuresBeforeLock}, now_ms + kLockMs});
        !bound) {
        return std::unexpected(bound.error());
    }
    return (*statement)->run();
}

store::Result<void> OfficerStore::record_success(std::string_view id) {
    auto statement =
        db_->cached("UPDATE officers SET failed_logins = 0, locked_until_ms = 0 WHERE id = ?1");
    if (!statement) {
        return std::unexpected(statement.error());
    }
    if (auto bound = (*statement)->bind(1, id); !bound) {
        return std::unexpected(bound.error());
    }
    return (*statement)->run();
}

}  // namespace hk::officers
