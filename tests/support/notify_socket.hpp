// Plays systemd's part for a daemon under test: a NOTIFY_SOCKET that collects READY=1,
// RELOADING=1, STOPPING=1, WATCHDOG=1 and STATUS= messages, so tests wait for the daemon's
// own word that it is ready instead of polling or sleeping.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hk::test {

class NotifySocket {
public:
    explicit NotifySocket(std::filesystem::path path);
    NotifySocket(const NotifySocket&) = delete;
    NotifySocket& operator=(const NotifySocket&) = delete;
    ~NotifySocket();

    [[nodiscard]] const std::filesystem::path& path() const { return path_; }

    // Waits for a datagram containing the line `assignment` (e.g. "READY=1"). Returns the
    // whole datagram, or empty if the deadline passed. Datagrams read while waiting are kept
    // in received().
    std::optional<std::string> wait_for(std::string_view assignment,
                                        std::chrono::milliseconds deadline);
    [[nodiscard]] const std::vector<std::string>& received() const { return received_; }

private:
    std::filesystem::path path_;
    int fd_ = -1;
    std::vector<std::string> received_;
    std::size_t consumed_ = 0;  // received_[0..consumed_) already matched by a wait
};

}  // namespace hk::test
