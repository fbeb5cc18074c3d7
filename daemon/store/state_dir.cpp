// The state directory: creation, the writability check and the single-daemon lock.

#include "daemon/store/state_dir.hpp"

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace hk::store {

namespace {

constexpr mode_t kDirMode = 0750;
constexpr mode_t kLockMode = 0640;
constexpr const char* kLockName = "hallkeeperd.lock";

// Closes a descriptor unless released.
class Fd {
public:
    explicit Fd(int fd) : fd_(fd) {}
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd() {
        if (fd_ >= 0) {
            ::close(fd_);
        }
    }
    [[nodiscard]] int get() const { return fd_; }
    int release() { return std::exchange(fd_, -1); }

private:
    int fd_;
};

Error cannot_create(const std::filesystem::path& dir, std::string_view why) {
    return Error{Errc::cannot_create,
                 fmt::format("cannot create state directory {} ({}): create it by hand, owned "
                             "by the hallkeeperd user with mode 0750, or set another state "
                             "directory in the configuration",
                             dir.string(), why),
                 0};
}

Error not_writable(const std::filesystem::path& dir, int err) {
    return Error{Errc::not_writable,
                 fmt::format("state directory {} is not writable by uid {} ({}): give the "
                             "hallkeeperd user write access to it (chown/chmod) and check that "
                             "the filesystem is not mounted read-only",
                             dir.string(), ::geteuid(), std::strerror(err)),
                 0};
}

Error io_error(const std::filesystem::path& file, std::string_view action, int err) {
    return Error{Errc::io,
                 fmt::format("cannot {} {} ({}): check the disk (dmesg) and free space, then "
                             "restart hallkeeperd",
                             action, file.string(), std::strerror(err)),
                 0};
}

// Creates every missing component of `dir`, each with kDirMode (less the umask).
Result<void> make_directories(const std::filesystem::path& dir) {
    std::filesystem::path partial;
    for (const auto& part : dir) {
        partial /= part;
        struct stat st {};
        if (::stat(partial.c_str(), &st) == 0) {
            if (!S_ISDIR(st.st_mode)) {
                return std::unexpected(
                    cannot_create(dir, fmt::format("{} is not a directory", partial.string())));
            }
            continue;
        }
        if (errno != ENOENT) {
            return std::unexpected(
                cannot_create(dir, fmt::format("{}: {}", partial.string(), std::strerror(errno))));
        }
        // EEXIST: created meanwhile by someone else; the next stat of a child settles it.
        if (::mkdir(partial.c_str(), kDirMode) != 0 && errno != EEXIST) {
            return std::unexpected(cannot_create(
                dir, fmt::format("mkdir {}: {}", partial.string(), std::strerror(errno))));
        }
    }
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
        return std::unexpected(cannot_create(dir, "it is not a directory"));
    }
    return {};
}

// Really creates a file, because permission bits say nothing for root and nothing about a
// read-only mount. The lock file alone is not enough: it may exist from an earlier run.
Result<void> check_writable(const std::filesystem::path& dir) {
    std::string probe = (dir / ".hallkeeperd-write-check-XXXXXX").string();
    const int fd = ::mkostemp(probe.data(), O_CLOEXEC);
    if (fd < 0) {
        return std::unexpected(not_writable(dir, errno));
    }
    ::close(fd);
    ::unlink(probe.c_str());
    return {};
}

std::string read_holder_pid(int fd) {
    char buffer[32] = {};
    const ssize_t n = ::pread(fd, buffer, sizeof buffer - 1, 0);
    if (n <= 0) {
        return {};
    }
    long pid = 0;
    const auto [end, ec] = std::from_chars(buffer, buffer + n, pid);
    if (ec != std::errc() || pid <= 0) {
        return {};
    }
    return std::to_string(pid);
}

}  // namespace

StateDir::StateDir(std::filesystem::path dir, int lock_fd)
    : dir_(std::move(dir)), lock_fd_(lock_fd) {}

StateDir::StateDir(StateDir&& other) noexcept
    : dir_(std::move(other.dir_)), lock_fd_(std::exchange(other.lock_fd_, -1)) {}

StateDir& StateDir::operator=(StateDir&& other) noexcept {
    if (this != &other) {
        if (lock_fd_ >= 0) {
            ::close(lock_fd_);
        }
        dir_ = std::move(other.dir_);
        lock_fd_ = std::exchange(other.lock_fd_, -1);
    }
    return *this;
}

StateDir::~StateDir() {
    // Closing the only descriptor of the open file releases the flock. The file stays: removing
    // it would let a starting daemon lock a file that is no longer the one others see.
    if (lock_fd_ >= 0) {
        ::close(lock_fd_);
    }
}

Result<StateDir> StateDir::acquire(const std::filesystem::path& dir) {
    if (dir.empty()) {
        return std::unexpected(cannot_create(dir, "the path is empty"));
    }
    std::filesystem::path normal = dir.lexically_normal();
    if (!normal.has_filename() && normal.has_relative_path()) {
        normal = normal.parent_path();  // "a/b/" names the same directory as "a/b"
    }
    if (auto created = make_directories(normal); !created) {
        return std::unexpected(std::move(created.error()));
    }
    if (auto writable = check_writable(normal); !writable) {
        return std::unexpected(std::move(writable.error()));
    }

    const std::filesystem::path lock_path = normal / kLockName;
    Fd fd(::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, kLockMode));
    if (fd.get() < 0) {
        const int err = errno;
        if (err == EACCES || err == EPERM || err == EROFS) {
            return std::unexpected(not_writable(normal, err));
        }
        return std::unexpected(io_error(lock_path, "open the lock file", err));
    }
    if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
        const int err = errno;
        if (err != EWOULDBLOCK) {
            return std::unexpected(io_error(lock_path, "lock", err));
        }
        const std::string pid = read_holder_pid(fd.get());
        return std::unexpected(
            Error{Errc::locked,
                  fmt::format("state directory {} is locked by another hallkeeperd ({}): stop it "
                              "first (systemctl stop hallkeeperd) or give this one another state "
                              "directory",
                              normal.string(), pid.empty() ? "pid unknown" : "pid " + pid),
                  0});
    }

    const std::string text = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd.get(), 0) != 0 ||
        ::pwrite(fd.get(), text.data(), text.size(), 0) != static_cast<ssize_t>(text.size())) {
        return std::unexpected(io_error(lock_path, "write the pid into", errno));
    }
    return StateDir(normal, fd.release());
}

}  // namespace hk::store
