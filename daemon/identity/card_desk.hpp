// The ID cards read at the kiosk, as the Local API hands them out (docs/api.md,
// `POST /id-card/wait`): a kiosk waits on a reader; a card read there becomes a one-time token
// that stands for the card's identity hash inside the daemon for a minute. The name, the
// number and the photo go no further than this class: it keeps the hash and the masked number
// only. Pure (no timers, no I/O): the caller times waits out with cancel(), and passes the time.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "daemon/identity/identity_key.hpp"
#include "drivers/sdk/device_events.hpp"

namespace hk::identity {

struct CardToken {
    std::string token;      // 32 hex digits, random
    std::string id_masked;  // "1101**********1234"
    std::int64_t expires_ms = 0;
};

struct CardFailure {
    std::string code;  // the reader's: "unreadable", "sam_error", "unsupported_card"
    std::string detail;
};

using CardOutcome = std::variant<CardToken, CardFailure>;

class CardDesk {
public:
    static constexpr std::int64_t kTokenMs = 60'000;
    // A card read before anyone waited is handed to a wait that comes this soon after, if the
    // card still lies on the reader (the citizen put it down before touching the screen).
    static constexpr std::int64_t kEarlyReadMs = 30'000;
    static constexpr std::size_t kMaxTokens = 256;

    using Waiter = std::function<void(const CardOutcome&)>;

    explicit CardDesk(const IdentityKey& key) : key_(key) {}

    // Waits for the next card at `reader`: `done` runs once, from card_read or card_failed (or
    // at once, inside this call, with a card read early). Returns the wait's id for cancel().
    std::uint64_t wait(std::string reader, std::int64_t now_ms, Waiter done);
    // Ends a wait without calling it. Unknown ids are ignored.
    void cancel(std::uint64_t wait_id);

    // A reader read a card: the oldest wait on it gets a token; with none, the read is kept
    // for a wait soon after.
    void card_read(std::string_view reader, const drivers::IdCard& card, std::int64_t now_ms);
    // A card could not be read: every wait on the reader hears why.
    void card_failed(std::string_view reader, const CardFailure& failure);
    // The card left the reader: a read kept for a later wait is dropped.
    void card_removed(std::string_view reader);

    // The identity hash a token stands for; the token is used up. Nullopt when unknown,
    // used or expired.
    [[nodiscard]] std::optional<std::string> redeem(std::string_view token, std::int64_t now_ms);

    [[nodiscard]] std::size_t waiting() const { return waits_.size(); }

private:
    struct Wait {
        std::string reader;
        Waiter done;
    };
    struct Held {
        std::string identity_hash;
        std::int64_t expires_ms = 0;
    };
    struct EarlyRead {
        std::string identity_hash;
        std::string id_masked;
        std::int64_t read_ms = 0;
    };

    CardToken issue(std::string identity_hash, std::string id_masked, std::int64_t now_ms);
    void drop_expired(std::int64_t now_ms);

    IdentityKey key_;
    std::uint64_t next_wait_ = 1;
    std::map<std::uint64_t, Wait> waits_;  // by id: oldest first
    std::map<std::string, Held, std::less<>> tokens_;
    std::map<std::string, EarlyRead, std::less<>> early_;  // by reader
};

}  // namespace hk::identity
