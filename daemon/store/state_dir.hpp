// The state directory: created on first start (mode 0750), checked for writability and held
// with an exclusive lock for the life of the daemon, so two daemons never share one state.
#pragma once

#include <filesystem>

#include "daemon/store/error.hpp"

namespace hk::store {

class StateDir {
public:
    // Creates `dir` (and parents) if missing, checks that it is a writable directory and takes
    // an exclusive, non-blocking flock on `dir/hallkeeperd.lock`.
    // Errors: cannot_create, not_writable, locked (message names the holder's pid when known).
    [[nodiscard]] static Result<StateDir> acquire(const std::filesystem::path& dir);

    StateDir(StateDir&& other) noexcept;
    StateDir& operator=(StateDir&& other) noexcept;
    StateDir(const StateDir&) = delete;
    StateDir& operator=(const StateDir&) = delete;
    ~StateDir();  // releases the lock

    [[nodiscard]] const std::filesystem::path& path() const { return dir_; }
    [[nodiscard]] std::filesystem::path database_path() const { return dir_ / "hallkeeper.db"; }

private:
    StateDir(std::filesystem::path dir, int lock_fd);
    std::filesystem::path dir_;
    int lock_fd_ = -1;
};

}  // namespace hk::store
