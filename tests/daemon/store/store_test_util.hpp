// Helpers shared by the store tests: unwrapping results with their message on failure, small
// queries, a raw second SQLite connection, and running code in a child process (for tests
// that need another process or another user).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <utility>

#include <catch2/catch.hpp>
#include <sqlite3.h>

#include "daemon/store/database.hpp"

namespace Catch {
template <>
struct StringMaker<hk::store::Errc> {
    static std::string convert(hk::store::Errc code) {
        return std::string(hk::store::to_string(code));
    }
};
}  // namespace Catch

namespace hk::test {

// The value of a successful result; fails the test with the error's message otherwise.
template <class T>
T ok(store::Result<T> result) {
    if (!result) {
        FAIL("unexpected store error: " << result.error().message);
    }
    return std::move(*result);
}

inline void ok(store::Result<void> result) {
    if (!result) {
        FAIL("unexpected store error: " << result.error().message);
    }
}

// The error of a failed result; fails the test when it succeeded.
template <class T>
store::Error error_of(store::Result<T> result) {
    if (result) {
        FAIL("expected a store error, the call succeeded");
    }
    return std::move(result.error());
}

// The first column of the first row of `sql`, as an integer.
std::int64_t query_int(store::Database& db, std::string_view sql);

// A database in `file`, opened and migrated to the latest version.
store::Database open_migrated(const std::filesystem::path& file);

// Prepared statements alive on the connection, and how many of them are part-way through a
// run (stepped but not reset: such a statement holds a read transaction open).
struct StatementCount {
    int alive = 0;
    int busy = 0;
};
StatementCount statements_on(const store::Database& db);

// A second connection straight through the SQLite API, as another process or tool would have.
class RawConnection {
public:
    explicit RawConnection(const std::filesystem::path& file);
    RawConnection(const RawConnection&) = delete;
    RawConnection& operator=(const RawConnection&) = delete;
    ~RawConnection();

    // Runs `sql`, failing the test on error.
    void exec(std::string_view sql);

private:
    sqlite3* db_ = nullptr;
};

struct ChildOutcome {
    int exit_code = -1;  // -1 when the child did not exit normally
    std::string output;  // what the child wrote into its `out` argument
};

// Runs `body` in a forked child and waits for it. The body returns the child's exit code and
// may describe what it saw in `out`; it must not use REQUIRE/CHECK (they belong to the parent).
ChildOutcome run_in_child(const std::function<int(std::string& out)>& body);

// In a child running as root: become uid/gid 65534 (nobody), so that permission bits apply.
// Returns false when that failed. Does nothing when not root.
bool drop_root_privileges();

}  // namespace hk::test
