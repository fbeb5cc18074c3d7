// A fresh directory for one test, removed with everything in it when the test ends.
#pragma once

#include <filesystem>
#include <string_view>

namespace hk::test {

class TempDir {
public:
    explicit TempDir(std::string_view prefix = "hk-test");
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    ~TempDir();

    [[nodiscard]] const std::filesystem::path& path() const { return path_; }
    [[nodiscard]] std::filesystem::path operator/(std::string_view name) const {
        return path_ / name;
    }

private:
    std::filesystem::path path_;
};

// Writes `text` to `file` (truncating), creating parent directories.
void write_file(const std::filesystem::path& file, std::string_view text);

}  // namespace hk::test
