// The identity key: see identity_key.hpp.
#include "daemon/identity/identity_key.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>

#include <fcntl.h>
#include <fmt/format.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

namespace hk::identity {
namespace {

std::string errno_text(int error) {
    return std::generic_category().message(error);
}

// Reads exactly kKeyBytes from an open file; refuses anything else.
std::expected<std::array<unsigned char, kKeyBytes>, std::string> read_key(
    int fd, const std::filesystem::path& file) {
    struct stat info {};
    if (::fstat(fd, &info) != 0) {
        return std::unexpected(fmt::format("cannot stat {}: {}", file.string(), errno_text(errno)));
    }
    if (!S_ISREG(info.st_mode) || info.st_size != static_cast<off_t>(kKeyBytes)) {
        return std::unexpected(
            fmt::format("{} must be a file of exactly {} bytes", file.string(), kKeyBytes));
    }
    if ((info.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        return std::unexpected(
            fmt::format("{} may be read by others (mode {:o}); it must be owner-only (chmod 600)",
                        file.string(), info.st_mode & 0777));
    }
    std::array<unsigned char, kKeyBytes> key{};
    std::size_t got = 0;
    while (got < key.size()) {
        const auto n = ::read(fd, key.data() + got, key.size() - got);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return std::unexpected(fmt::format("cannot read {}", file.string()));
        }
        got += static_cast<std::size_t>(n);
    }
    return key;
}

std::expected<std::array<unsigned char, kKeyBytes>, std::string> create_key(
    const std::filesystem::path& file) {
    std::array<unsigned char, kKeyBytes> key{};
    randombytes_buf(key.data(), key.size());
    auto temporary = file;
    temporary += ".new";
    const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        return std::unexpected(
            fmt::format("cannot create {}: {}", temporary.string(), errno_text(errno)));
    }
    const bool written =
        ::write(fd, key.data(), key.size()) == static_cast<ssize_t>(key.size()) && ::fsync(fd) == 0;
    ::close(fd);
    if (!written || ::rename(temporary.c_str(), file.c_str()) != 0) {
        const int error = errno;
        ::unlink(temporary.c_str());
        return std::unexpected(
            fmt::format("cannot write {}: {}", file.string(), errno_text(error)));
    }
    return key;
}

}  // namespace

std::expected<IdentityKey, std::string> IdentityKey::load_or_create(
    const std::filesystem::path& file) {
    const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        if (errno != ENOENT) {
            return std::unexpected(
                fmt::format("cannot open {}: {}", file.string(), errno_text(errno)));
        }
        auto created = create_key(file);
        if (!created) {
            return std::unexpected(created.error());
        }
        return IdentityKey(*created);
    }
    auto key = read_key(fd, file);
    ::close(fd);
    if (!key) {
        return std::unexpected(key.error());
    }
    return IdentityKey(*key);
}

std::string IdentityKey::hash(std::string_view id_number) const {
    std::string upper(id_number);
    std::ranges::transform(upper, upper.begin(), [](char c) {
        return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
    });
    std::array<unsigned char, crypto_auth_hmacsha256_BYTES> mac{};
    crypto_auth_hmacsha256_state state;
    crypto_auth_hmacsha256_init(&state, key_.data(), key_.size());
    crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(upper.data()),
                                  upper.size());
    crypto_auth_hmacsha256_final(&state, mac.data());
    sodium_memzero(upper.data(), upper.size());
    std::array<char, (crypto_auth_hmacsha256_BYTES * 2) + 1> hex{};
    sodium_bin2hex(hex.data(), hex.size(), mac.data(), mac.size());
    return {hex.data()};
}

}  // namespace hk::identity
