// The SQLite connection, statements and transactions of the store, and the one mapping from
// SQLite result codes to store errors.
//
// Durability choice: the database always runs in WAL mode, and each transaction picks its
// synchronous level when it begins.
//   - critical -> synchronous=FULL: the WAL is fsynced at every commit, so a commit that has
//     returned survives a power cut. Used for what citizens and staff rely on (tickets, queue
//     events, evaluations, run history).
//   - relaxed -> synchronous=NORMAL: the WAL is only fsynced at checkpoints. After a power cut
//     the database is still consistent, but the last commits may be gone. Used for data that
//     is cheap to rebuild (device health, caches, statistics), where an fsync per commit would
//     only wear the flash of the kiosk.
// The PRAGMA is issued only when the level changes, because most transactions are critical and
// the setting stays in force on the connection.

#include "daemon/store/database.hpp"

#include <cctype>
#include <string>
#include <system_error>
#include <utility>

#include <fmt/format.h>
#include <sqlite3.h>

namespace hk::store {

namespace {

constexpr std::size_t kMaxSqlInMessage = 80;
constexpr std::size_t kMaxCheckInMessage = 200;

// SQLITE_TRANSIENT without the old-style cast of the macro: SQLite copies the value. The
// pointer is a sentinel SQLite compares against and never calls, as in the macro itself.
// NOLINTNEXTLINE(performance-no-int-to-ptr)
const sqlite3_destructor_type kTransient = reinterpret_cast<sqlite3_destructor_type>(-1);

// One line of SQL (or other text) for messages: whitespace runs collapsed and long text cut.
std::string sql_for_message(std::string_view sql, std::size_t max_size = kMaxSqlInMessage) {
    std::string out;
    bool space = false;
    for (const char c : sql) {
        if (std::isspace(static_cast<unsigned char>(c)) != 0) {
            space = !out.empty();
            continue;
        }
        if (space) {
            out.push_back(' ');
            space = false;
        }
        out.push_back(c);
        if (out.size() >= max_size) {
            out += "...";
            break;
        }
    }
    return out;
}

std::filesystem::path file_of(sqlite3* db) {
    const char* name = sqlite3_db_filename(db, "main");
    return name == nullptr ? std::filesystem::path() : std::filesystem::path(name);
}

// An error for the last failure on `db`, with SQLite's own message and the statement.
Error error_from_db(sqlite3* db, int code, std::string_view sql) {
    std::string what = sqlite3_errmsg(db);
    if (!sql.empty()) {
        what += fmt::format(" in \"{}\"", sql_for_message(sql));
    }
    return error_from_sqlite(code, what, file_of(db));
}

Error misuse(std::string_view what, const std::filesystem::path& file) {
    return error_from_sqlite(SQLITE_MISUSE, what, file);
}

}  // namespace

std::string_view to_string(Errc code) {
    switch (code) {
        case Errc::cannot_create:
            return "cannot_create";
        case Errc::not_writable:
            return "not_writable";
        case Errc::locked:
            return "locked";
        case Errc::corrupt:
            return "corrupt";
        case Errc::too_new:
            return "too_new";
        case Errc::io:
            return "io";
        case Errc::constraint:
            return "constraint";
        case Errc::misuse:
            return "misuse";
    }
    return "unknown";
}

Error error_from_sqlite(int sqlite_code, std::string_view what, const std::filesystem::path& file) {
    const std::string detail = what.empty() ? std::string() : fmt::format(" ({})", what);
    Error error;
    error.sqlite_code = sqlite_code;
    switch (sqlite_code & 0xff) {
        case SQLITE_NOTADB:
        case SQLITE_CORRUPT:
            error.code = Errc::corrupt;
            error.message = fmt::format(
                "state database {} is corrupt{}: stop hallkeeperd, move the file aside and "
                "restore a backup or start with empty state",
                file.string(), detail);
            break;
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
        case SQLITE_PROTOCOL:
            error.code = Errc::locked;
            error.message = fmt::format(
                "state database {} is locked by another process{}: stop the other hallkeeperd "
                "or tool (sqlite3, a backup job) using it, then start again",
                file.string(), detail);
            break;
        case SQLITE_CANTOPEN:
            if (std::error_code ec;
                file.has_parent_path() && !std::filesystem::exists(file.parent_path(), ec)) {
                error.code = Errc::cannot_create;
                error.message = fmt::format(
                    "state database {} cannot be created because its directory does not "
                    "exist{}: create the state directory or correct it in the configuration",
                    file.string(), detail);
                break;
            }
            [[fallthrough]];
        case SQLITE_READONLY:
        case SQLITE_PERM:
        case SQLITE_AUTH:
            error.code = Errc::not_writable;
            error.message = fmt::format(
                "state database {} cannot be opened for writing{}: give the hallkeeperd user "
                "read-write access to the file and its directory, and check that the "
                "filesystem is not mounted read-only",
                file.string(), detail);
            break;
        case SQLITE_FULL:
            error.code = Errc::io;
            error.message = fmt::format(
                "state database {} cannot be written because the disk is full{}: free space "
                "on the state partition, then restart hallkeeperd",
                file.string(), detail);
            break;
        case SQLITE_CONSTRAINT:
        case SQLITE_MISMATCH:
        case SQLITE_TOOBIG:
            error.code = Errc::constraint;
            error.message = fmt::format(
                "state database {} rejected a write{}: this is a bug in hallkeeperd, report "
                "it with this message",
                file.string(), detail);
            break;
        case SQLITE_ERROR:
        case SQLITE_MISUSE:
        case SQLITE_RANGE:
        case SQLITE_SCHEMA:
        case SQLITE_INTERRUPT:
        case SQLITE_ABORT:
        case SQLITE_NOTFOUND:
        case SQLITE_INTERNAL:
            error.code = Errc::misuse;
            error.message = fmt::format(
                "state database {} was used wrongly{}: this is a bug in hallkeeperd, report "
                "it with this message",
                file.string(), detail);
            break;
        default:  // SQLITE_IOERR, SQLITE_NOLFS, SQLITE_NOMEM and anything new
            error.code = Errc::io;
            error.message = fmt::format(
                "I/O error on state database {}{}: check the disk (dmesg, SMART) and free "
                "space, then restart hallkeeperd",
                file.string(), detail);
            break;
    }
    // The message ends up in one journal line and on a technician's screen.
    for (char& c : error.message) {
        if (c == '\n' || c == '\r') {
            c = ' ';
        }
    }
    return error;
}

// --- Statement ---------------------------------------------------------------------------------

Statement::Statement(sqlite3_stmt* stmt, sqlite3* db) : stmt_(stmt), db_(db) {}

Statement::Statement(Statement&& other) noexcept
    : stmt_(std::exchange(other.stmt_, nullptr)), db_(std::exchange(other.db_, nullptr)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
    if (this != &other) {
        sqlite3_finalize(stmt_);
        stmt_ = std::exchange(other.stmt_, nullptr);
        db_ = std::exchange(other.db_, nullptr);
    }
    return *this;
}

Statement::~Statement() {
    sqlite3_finalize(stmt_);
}

Result<void> Statement::bind(int index, const Value& value) {
    if (stmt_ == nullptr) {
        return std::unexpected(misuse("bind on a moved-from statement", {}));
    }
    struct Binder {
        sqlite3_stmt* stmt;
        int index;
        int operator()(std::monostate) const { return sqlite3_bind_null(stmt, index); }
        int operator()(std::int64_t v) const { return sqlite3_bind_int64(stmt, index, v); }
        int operator()(double v) const { return sqlite3_bind_double(stmt, index, v); }
        int operator()(std::string_view v) const {
            // A null pointer would bind NULL rather than an empty string.
            const char* data = v.data() == nullptr ? "" : v.data();
            return sqlite3_bind_text64(stmt, index, data, v.size(), kTransient, SQLITE_UTF8);
        }
        int operator()(std::span<const std::byte> v) const {
            if (v.empty()) {
                return sqlite3_bind_zeroblob(stmt, index, 0);
            }
            return sqlite3_bind_blob64(stmt, index, v.data(), v.size(), kTransient);
        }
    };
    const int rc = std::visit(Binder{stmt_, index}, value);
    if (rc != SQLITE_OK) {
        return std::unexpected(
            error_from_db(db_, rc, fmt::format("parameter {} of {}", index, sqlite3_sql(stmt_))));
    }
    return {};
}

Result<void> Statement::bind_all(std::initializer_list<Value> values) {
    int index = 1;
    for (const Value& value : values) {
        if (auto bound = bind(index++, value); !bound) {
            return bound;
        }
    }
    return {};
}

Result<bool> Statement::step() {
    if (stmt_ == nullptr) {
        return std::unexpected(misuse("step on a moved-from statement", {}));
    }
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) {
        return true;
    }
    if (rc == SQLITE_DONE) {
        return false;
    }
    return std::unexpected(error_from_db(db_, rc, sqlite3_sql(stmt_)));
}

Result<void> Statement::run() {
    while (true) {
        auto stepped = step();
        if (!stepped || !*stepped) {
            // Resetting releases the statement's read lock even when the caller keeps it.
            if (stmt_ != nullptr) {
                sqlite3_reset(stmt_);
            }
            if (!stepped) {
                return std::unexpected(std::move(stepped.error()));
            }
            return {};
        }
    }
}

void Statement::reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
}

bool Statement::is_null(int column) const {
    return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

std::int64_t Statement::column_int(int column) const {
    return sqlite3_column_int64(stmt_, column);
}

double Statement::column_double(int column) const {
    return sqlite3_column_double(stmt_, column);
}

std::string Statement::column_text(int column) const {
    // sqlite3_column_text before sqlite3_column_bytes, as SQLite documents.
    const unsigned char* text = sqlite3_column_text(stmt_, column);
    if (text == nullptr) {
        return {};
    }
    const int size = sqlite3_column_bytes(stmt_, column);
    return {reinterpret_cast<const char*>(text), static_cast<std::size_t>(size)};
}

std::optional<std::string> Statement::column_optional_text(int column) const {
    if (is_null(column)) {
        return std::nullopt;
    }
    return column_text(column);
}

// --- Database ----------------------------------------------------------------------------------

Database::Database(sqlite3* db, std::filesystem::path path) : db_(db), path_(std::move(path)) {}

Database::Database(Database&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)),
      path_(std::move(other.path_)),
      durability_(std::exchange(other.durability_, std::nullopt)),
      cache_(std::move(other.cache_)) {}

Database& Database::operator=(Database&& other) noexcept {
    if (this != &other) {
        Database closing(std::move(*this));
        db_ = std::exchange(other.db_, nullptr);
        path_ = std::move(other.path_);
        durability_ = std::exchange(other.durability_, std::nullopt);
        cache_ = std::move(other.cache_);
    }
    return *this;
}

Database::~Database() {
    // Cached statements are finalized first, so that closing does not find them alive.
    cache_.clear();
    if (db_ == nullptr) {
        return;
    }
    // The last connection to close checkpoints the WAL into the database and removes it.
    // A statement still alive would make sqlite3_close fail; closing is then deferred until
    // that statement is finalized, rather than leaking the connection.
    if (sqlite3_close(db_) != SQLITE_OK) {
        sqlite3_close_v2(db_);
    }
}

Result<Database> Database::open(const std::filesystem::path& file, OpenOptions options) {
    std::error_code ec;
    if (!options.create && !std::filesystem::exists(file, ec)) {
        Error error = error_from_sqlite(SQLITE_CANTOPEN, "the file does not exist", file);
        if (error.code == Errc::not_writable) {
            error.code = Errc::cannot_create;
            error.message = fmt::format(
                "state database {} does not exist: start hallkeeperd once to create it, or "
                "restore a backup",
                file.string());
        }
        return std::unexpected(std::move(error));
    }

    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
    if (options.create) {
        flags |= SQLITE_OPEN_CREATE;
    }
    sqlite3* handle = nullptr;
    const int rc = sqlite3_open_v2(file.c_str(), &handle, flags, nullptr);
    // Owns the handle from here on, even when opening failed.
    Database db(handle, file);
    if (rc != SQLITE_OK) {
        const char* message = handle != nullptr ? sqlite3_errmsg(handle) : sqlite3_errstr(rc);
        return std::unexpected(error_from_sqlite(rc, message, file));
    }
    sqlite3_extended_result_codes(handle, 1);
    sqlite3_busy_timeout(handle, options.busy_timeout_ms);

    // SQLite falls back to read-only when it cannot write the file; the daemon must write.
    if (sqlite3_db_readonly(handle, "main") == 1) {
        return std::unexpected(
            error_from_sqlite(SQLITE_READONLY, "the file is read-only for this user", file));
    }

    auto mode = db.pragma_text("PRAGMA journal_mode=WAL");
    if (!mode) {
        return std::unexpected(std::move(mode.error()));
    }
    if (*mode != "wal") {
        Error error;
        error.code = Errc::io;
        error.message = fmt::format(
            "state database {} cannot use write-ahead logging (journal mode is '{}'): put the "
            "state directory on a local filesystem that supports shared memory (ext4, f2fs)",
            file.string(), *mode);
        return std::unexpected(std::move(error));
    }

    // Autocommit writes get the safe setting until a transaction asks otherwise.
    if (auto set = db.exec("PRAGMA foreign_keys=ON; PRAGMA synchronous=FULL"); !set) {
        return std::unexpected(std::move(set.error()));
    }
    db.durability_ = Durability::critical;

    if (options.quick_check) {
        // Only the first line matters: "ok", or the first problem found.
        auto result = db.pragma_text("PRAGMA quick_check");
        if (!result) {
            return std::unexpected(std::move(result.error()));
        }
        if (*result != "ok") {
            // A badly damaged file lists many pages; the first few say enough.
            return std::unexpected(error_from_sqlite(
                SQLITE_CORRUPT, "quick_check: " + sql_for_message(*result, kMaxCheckInMessage),
                file));
        }
    }
    return db;
}

Result<void> Database::exec(std::string_view sql) {
    const std::string text(sql);
    char* message = nullptr;
    const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &message);
    if (rc != SQLITE_OK) {
        std::string what = message != nullptr ? message : sqlite3_errstr(rc);
        sqlite3_free(message);
        what += fmt::format(" in \"{}\"", sql_for_message(sql));
        return std::unexpected(error_from_sqlite(rc, what, path_));
    }
    return {};
}

Result<Statement> Database::prepare(std::string_view sql) {
    sqlite3_stmt* stmt = nullptr;
    const char* tail = nullptr;
    const int rc =
        sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), 0, &stmt, &tail);
    if (rc != SQLITE_OK) {
        return std::unexpected(error_from_db(db_, rc, sql));
    }
    Statement statement(stmt, db_);
    if (stmt == nullptr) {
        return std::unexpected(
            misuse(fmt::format("no statement in \"{}\"", sql_for_message(sql)), path_));
    }
    const std::string_view rest(tail, static_cast<std::size_t>(sql.data() + sql.size() - tail));
    for (const char c : rest) {
        if (std::isspace(static_cast<unsigned char>(c)) == 0 && c != ';') {
            return std::unexpected(misuse(
                fmt::format("more than one statement in \"{}\"", sql_for_message(sql)), path_));
        }
    }
    return statement;
}

Result<CachedStatement> Database::cached(std::string_view sql) {
    auto it = cache_.find(sql);
    if (it == cache_.end()) {
        auto statement = prepare(sql);
        if (!statement) {
            return std::unexpected(std::move(statement.error()));
        }
        it = cache_.emplace(std::string(sql), CacheEntry{std::move(*statement)}).first;
    } else if (it->second.in_use) {
        return std::unexpected(
            misuse(fmt::format("statement \"{}\" is already in use", sql_for_message(sql)), path_));
    }
    return CachedStatement(it->second.statement, it->second.in_use);
}

Result<void> Database::set_durability(Durability durability) {
    if (durability_ == durability) {
        return {};
    }
    auto set = exec(durability == Durability::critical ? "PRAGMA synchronous=FULL"
                                                       : "PRAGMA synchronous=NORMAL");
    if (!set) {
        durability_.reset();
        return set;
    }
    durability_ = durability;
    return {};
}

Result<Transaction> Database::begin(Durability durability) {
    if (sqlite3_get_autocommit(db_) == 0) {
        return std::unexpected(misuse("begin while a transaction is already open", path_));
    }
    if (auto set = set_durability(durability); !set) {
        return std::unexpected(std::move(set.error()));
    }
    if (auto begun = exec("BEGIN IMMEDIATE"); !begun) {
        return std::unexpected(std::move(begun.error()));
    }
    return Transaction(*this);
}

Result<std::string> Database::pragma_text(std::string_view sql) {
    auto statement = prepare(sql);
    if (!statement) {
        return std::unexpected(std::move(statement.error()));
    }
    auto row = statement->step();
    if (!row) {
        return std::unexpected(std::move(row.error()));
    }
    return *row ? statement->column_text(0) : std::string();
}

std::int64_t Database::last_insert_rowid() const {
    return sqlite3_last_insert_rowid(db_);
}

std::uint64_t Database::size_bytes() const {
    std::error_code ec;
    std::uint64_t total = std::filesystem::file_size(path_, ec);
    if (ec) {
        total = 0;
    }
    const auto wal_size = std::filesystem::file_size(path_.string() + "-wal", ec);
    if (!ec) {
        total += wal_size;
    }
    return total;
}

// --- CachedStatement ---------------------------------------------------------------------------

CachedStatement::CachedStatement(Statement& statement, bool& in_use)
    : statement_(&statement), in_use_(&in_use) {
    *in_use_ = true;
}

CachedStatement::CachedStatement(CachedStatement&& other) noexcept
    : statement_(std::exchange(other.statement_, nullptr)),
      in_use_(std::exchange(other.in_use_, nullptr)) {}

CachedStatement::~CachedStatement() {
    if (statement_ == nullptr) {
        return;
    }
    statement_->reset();
    *in_use_ = false;
}

// --- Transaction -------------------------------------------------------------------------------

Transaction::Transaction(Database& db) : db_(&db) {}

Transaction::Transaction(Transaction&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}

Transaction::~Transaction() {
    rollback();
}

Result<void> Transaction::commit() {
    if (db_ == nullptr) {
        return std::unexpected(misuse("commit of a finished transaction", {}));
    }
    if (auto committed = db_->exec("COMMIT"); !committed) {
        // Left open on purpose: destruction or rollback() undoes what SQLite kept.
        return committed;
    }
    db_ = nullptr;
    return {};
}

void Transaction::rollback() {
    if (db_ == nullptr) {
        return;
    }
    // SQLite may already have rolled back by itself (after some I/O errors).
    if (sqlite3_get_autocommit(db_->db_) == 0) {
        sqlite3_exec(db_->db_, "ROLLBACK", nullptr, nullptr, nullptr);
    }
    db_ = nullptr;
}

}  // namespace hk::store
