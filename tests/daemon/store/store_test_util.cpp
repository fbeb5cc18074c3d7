// Helpers shared by the store tests (see store_test_util.hpp).
#include "tests/daemon/store/store_test_util.hpp"

#include <cstdlib>
#include <string>

#include <grp.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon/store/migrations.hpp"

namespace hk::test {

namespace {
constexpr uid_t kNobody = 65534;
}  // namespace

std::int64_t query_int(store::Database& db, std::string_view sql) {
    auto statement = ok(db.prepare(sql));
    REQUIRE(ok(statement.step()));
    return statement.column_int(0);
}

store::Database open_migrated(const std::filesystem::path& file) {
    auto db = ok(store::Database::open(file));
    REQUIRE(ok(store::migrate(db)) == store::latest_schema_version());
    return db;
}

StatementCount statements_on(const store::Database& db) {
    StatementCount count;
    for (sqlite3_stmt* stmt = sqlite3_next_stmt(db.handle(), nullptr); stmt != nullptr;
         stmt = sqlite3_next_stmt(db.handle(), stmt)) {
        ++count.alive;
        count.busy += sqlite3_stmt_busy(stmt) != 0 ? 1 : 0;
    }
    return count;
}

RawConnection::RawConnection(const std::filesystem::path& file) {
    const int rc = sqlite3_open(file.c_str(), &db_);
    INFO(sqlite3_errstr(rc));
    REQUIRE(rc == SQLITE_OK);
}

RawConnection::~RawConnection() {
    sqlite3_close(db_);
}

void RawConnection::exec(std::string_view sql) {
    const std::string text(sql);
    const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, nullptr);
    INFO(text << ": " << sqlite3_errmsg(db_));
    REQUIRE(rc == SQLITE_OK);
}

ChildOutcome run_in_child(const std::function<int(std::string& out)>& body) {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::close(fds[0]);
        std::string out;
        int code = 99;
        try {
            code = body(out);
        } catch (...) {
            out = "the child threw an exception";
        }
        std::size_t written = 0;
        while (written < out.size()) {
            const ssize_t n = ::write(fds[1], out.data() + written, out.size() - written);
            if (n <= 0) {
                break;
            }
            written += static_cast<std::size_t>(n);
        }
        // _exit: the child must not run the parent's destructors (temporary directories).
        ::_exit(code);
    }
    ::close(fds[1]);
    ChildOutcome outcome;
    char buffer[512];
    ssize_t n = 0;
    while ((n = ::read(fds[0], buffer, sizeof buffer)) > 0) {
        outcome.output.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(fds[0]);
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    if (WIFEXITED(status)) {
        outcome.exit_code = WEXITSTATUS(status);
    }
    return outcome;
}

bool drop_root_privileges() {
    if (::geteuid() != 0) {
        return true;
    }
    return ::setgroups(0, nullptr) == 0 && ::setgid(kNobody) == 0 && ::setuid(kNobody) == 0 &&
           ::geteuid() == kNobody;
}

}  // namespace hk::test
