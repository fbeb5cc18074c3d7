// Counter sessions: see sessions.hpp.
#include "daemon/officers/sessions.hpp"

#include <array>
#include <utility>

#include <sodium.h>

namespace hk::officers {

std::string SessionTable::open(std::string officer, std::string name, std::string window,
                               std::int64_t now_ms) {
    std::erase_if(sessions_, [&](const auto& entry) {
        return entry.second.officer == officer || entry.second.window == window;
    });
    // randombytes_buf needs no sodium_init on Linux (getrandom); it cannot fail.
    std::array<unsigned char, 32> random{};
    randombytes_buf(random.data(), random.size());
    std::array<char, 65> hex{};
    sodium_bin2hex(hex.data(), hex.size(), random.data(), random.size());
    std::string token(hex.data());
    sessions_.emplace(token, Session{.officer = std::move(officer),
                                     .name = std::move(name),
                                     .window = std::move(window),
                                     .created_ms = now_ms,
                                     .expires_ms = now_ms + kIdleMs});
    return token;
}

std::optional<Session> SessionTable::use(std::string_view token, std::int64_t now_ms) {
    const auto it = sessions_.find(token);
    if (it == sessions_.end()) {
        return std::nullopt;
    }
    if (it->second.expires_ms <= now_ms) {
        sessions_.erase(it);
        return std::nullopt;
    }
    it->second.expires_ms = now_ms + kIdleMs;
    return it->second;
}

bool SessionTable::close(std::string_view token) {
    const auto it = sessions_.find(token);
    if (it == sessions_.end()) {
        return false;
    }
    sessions_.erase(it);
    return true;
}

}  // namespace hk::officers
