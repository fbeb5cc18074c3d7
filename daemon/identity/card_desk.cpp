// The kiosk's ID cards: see card_desk.hpp.
#include "daemon/identity/card_desk.hpp"

#include <array>
#include <utility>

#include <sodium.h>

namespace hk::identity {

std::uint64_t CardDesk::wait(std::string reader, std::int64_t now_ms, Waiter done) {
    const auto id = next_wait_++;
    if (const auto early = early_.find(reader);
        early != early_.end() && now_ms - early->second.read_ms <= kEarlyReadMs) {
        auto read = std::move(early->second);
        early_.erase(early);
        done(issue(std::move(read.identity_hash), std::move(read.id_masked), now_ms));
        return id;
    }
    waits_.emplace(id, Wait{.reader = std::move(reader), .done = std::move(done)});
    return id;
}

void CardDesk::cancel(std::uint64_t wait_id) {
    waits_.erase(wait_id);
}

void CardDesk::card_read(std::string_view reader, const drivers::IdCard& card,
                         std::int64_t now_ms) {
    auto identity_hash = key_.hash(card.id_number);
    auto id_masked = drivers::masked_id_number(card.id_number);
    for (auto it = waits_.begin(); it != waits_.end(); ++it) {
        if (it->second.reader == reader) {
            auto done = std::move(it->second.done);
            waits_.erase(it);
            done(issue(std::move(identity_hash), std::move(id_masked), now_ms));
            return;
        }
    }
    early_.insert_or_assign(std::string(reader),
                            EarlyRead{.identity_hash = std::move(identity_hash),
                                      .id_masked = std::move(id_masked),
                                      .read_ms = now_ms});
}

void CardDesk::card_failed(std::string_view reader, const CardFailure& failure) {
    early_.erase(std::string(reader));
    std::vector<Waiter> told;
    std::erase_if(waits_, [&](auto& entry) {
        if (entry.second.reader != reader) {
            return false;
        }
        told.push_back(std::move(entry.second.done));
        return true;
    });
    for (const auto& done : told) {
        done(failure);
    }
}

void CardDesk::card_removed(std::string_view reader) {
    if (const auto it = early_.find(reader); it != early_.end()) {
        early_.erase(it);
    }
}

std::optional<std::string> CardDesk::redeem(std::string_view token, std::int64_t now_ms) {
    drop_expired(now_ms);
    const auto it = tokens_.find(token);
    if (it == tokens_.end()) {
        return std::nullopt;
    }
    auto identity_hash = std::move(it->second.identity_hash);
    tokens_.erase(it);
    return identity_hash;
}

CardToken CardDesk::issue(std::string identity_hash, std::string id_masked, std::int64_t now_ms) {
    drop_expired(now_ms);
    if (tokens_.size() >= kMaxTokens) {
        // The oldest goes: a kiosk that never redeems cannot grow the table.
        auto oldest = tokens_.begin();
        for (auto it = tokens_.begin(); it != tokens_.end(); ++it) {
            if (it->second.expires_ms < oldest->second.expires_ms) {
                oldest = it;
            }
        }
        tokens_.erase(oldest);
    }
    std::array<unsigned char, 16> random{};
    randombytes_buf(random.data(), random.size());
    std::array<char, 33> hex{};
    sodium_bin2hex(hex.data(), hex.size(), random.data(), random.size());
    CardToken out{
        .token = hex.data(), .id_masked = std::move(id_masked), .expires_ms = now_ms + kTokenMs};
    tokens_.emplace(out.token,
                    Held{.identity_hash = std::move(identity_hash), .expires_ms = out.expires_ms});
    return out;
}

void CardDesk::drop_expired(std::int64_t now_ms) {
    std::erase_if(tokens_,
                  [now_ms](const auto& entry) { return entry.second.expires_ms <= now_ms; });
}

}  // namespace hk::identity
