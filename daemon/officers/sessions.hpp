// Counter sessions: an officer logged in at a window, known by a random bearer token
// (docs/api.md, "Officers"). Held in memory on the loop: a restart logs every counter out,
// which the counter screen answers by showing its login again.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace hk::officers {

struct Session {
    std::string officer;  // 工号
    std::string name;
    std::string window;
    std::int64_t created_ms = 0;
    std::int64_t expires_ms = 0;  // pushed forward by each use
};

class SessionTable {
public:
    // A session lasts this long after its last use: a working day at the counter.
    static constexpr std::int64_t kIdleMs = std::int64_t{12} * 60 * 60 * 1000;

    // A new session for the officer at the window, replacing any session of that window or of
    // that officer (one officer, one window). Returns its token: 64 hex digits from the OS's
    // random source.
    std::string open(std::string officer, std::string name, std::string window,
                     std::int64_t now_ms);
    // The live session of `token`, its expiry pushed to now + kIdleMs; nullopt when unknown or
    // expired (an expired one is dropped).
    std::optional<Session> use(std::string_view token, std::int64_t now_ms);
    // Ends a session; whether there was one.
    bool close(std::string_view token);
    [[nodiscard]] std::size_t size() const { return sessions_.size(); }

private:
    std::map<std::string, Session, std::less<>> sessions_;  // by token
};

}  // namespace hk::officers
