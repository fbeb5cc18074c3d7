// A small RAII layer over SQLite: a connection, prepared statements with typed binding and
// column access, and transactions whose durability is chosen per kind of data.
//
// Durability: the database runs in WAL mode. `Durability::critical` commits with
// synchronous=FULL (the commit survives a power cut: tickets, queue events, evaluations);
// `Durability::relaxed` commits with synchronous=NORMAL (the database stays consistent after a
// power cut but the last commits may be lost: device health, caches, statistics that can be
// rebuilt). See docs/architecture.md, "Store".
//
// Not thread-safe: a Database and its statements belong to one thread (the event loop).
// Statements and transactions must be destroyed before their Database, and a Database must not
// be moved while a transaction on it is open or a cached statement of it is lent out.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <initializer_list>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>

#include "daemon/store/error.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace hk::store {

enum class Durability { critical, relaxed };

// A value bound to a statement parameter. std::monostate binds NULL.
using Value = std::variant<std::monostate, std::int64_t, double, std::string_view,
                           std::span<const std::byte>>;

class Statement {
public:
    Statement(Statement&& other) noexcept;
    Statement& operator=(Statement&& other) noexcept;
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    ~Statement();

    // Binds parameter `index` (1-based). Text and blobs are copied by SQLite.
    Result<void> bind(int index, const Value& value);
    // Binds all parameters in order, starting at 1.
    Result<void> bind_all(std::initializer_list<Value> values);

    // Steps once. true: a row is available; false: done. Errors: constraint, io, corrupt,
    // locked, misuse.
    Result<bool> step();
    // Steps to completion, for statements that return no rows, then resets the statement
    // (keeping its bindings) so it can run again.
    Result<void> run();
    // Resets for re-execution and clears the bindings.
    void reset();

    [[nodiscard]] bool is_null(int column) const;
    [[nodiscard]] std::int64_t column_int(int column) const;
    [[nodiscard]] double column_double(int column) const;
    [[nodiscard]] std::string column_text(int column) const;
    [[nodiscard]] std::optional<std::string> column_optional_text(int column) const;

private:
    friend class Database;
    Statement(sqlite3_stmt* stmt, sqlite3* db);
    sqlite3_stmt* stmt_ = nullptr;
    sqlite3* db_ = nullptr;
};

class Transaction;

// A statement lent out by Database::cached. Giving it back (destruction) resets the statement
// and clears its bindings, so it holds no lock and is ready for the next use.
class CachedStatement {
public:
    CachedStatement(CachedStatement&& other) noexcept;
    CachedStatement& operator=(CachedStatement&&) = delete;
    CachedStatement(const CachedStatement&) = delete;
    CachedStatement& operator=(const CachedStatement&) = delete;
    ~CachedStatement();

    Statement& operator*() const { return *statement_; }
    Statement* operator->() const { return statement_; }

private:
    friend class Database;
    CachedStatement(Statement& statement, bool& in_use);
    Statement* statement_ = nullptr;
    bool* in_use_ = nullptr;
};

struct OpenOptions {
    bool create = true;       // create the file if missing
    bool quick_check = true;  // run PRAGMA quick_check on open (detects corruption)
    int busy_timeout_ms = 0;  // 0: fail at once with Errc::locked when another holds it
};

class Database {
public:
    // Opens (or creates) the database, enables WAL and foreign keys, and checks it.
    // Errors: not_writable, locked, corrupt, io.
    [[nodiscard]] static Result<Database> open(const std::filesystem::path& file,
                                               OpenOptions options = {});

    Database(Database&& other) noexcept;
    Database& operator=(Database&& other) noexcept;
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;
    ~Database();  // closes; a clean close checkpoints and removes the WAL

    // Runs one or more statements with no parameters and no results (DDL, PRAGMAs).
    Result<void> exec(std::string_view sql);
    // Prepares one statement. Errors: misuse (bad SQL, with SQLite's message).
    [[nodiscard]] Result<Statement> prepare(std::string_view sql);
    // The statement for `sql` from the connection's cache: prepared at the first call with
    // this exact text, then reused, which saves parsing and planning it at every run (the
    // event log's append runs for every queue operation). It comes reset and without
    // bindings. Errors: as prepare; misuse when the statement for `sql` is still lent out (a
    // statement cannot run twice at once).
    [[nodiscard]] Result<CachedStatement> cached(std::string_view sql);
    // Begins a transaction (BEGIN IMMEDIATE) committed with the given durability. Errors:
    // locked (another connection is writing), misuse (a transaction is already open).
    // Writes outside any transaction run with the durability last chosen (critical after open).
    [[nodiscard]] Result<Transaction> begin(Durability durability);

    [[nodiscard]] std::int64_t last_insert_rowid() const;
    [[nodiscard]] const std::filesystem::path& path() const { return path_; }
    // Bytes on disk: the database file plus its WAL.
    [[nodiscard]] std::uint64_t size_bytes() const;

    [[nodiscard]] sqlite3* handle() const { return db_; }

private:
    friend class Transaction;
    Database(sqlite3* db, std::filesystem::path path);
    Result<void> set_durability(Durability durability);
    // The first column of the first row of `sql` ("" when there is none).
    Result<std::string> pragma_text(std::string_view sql);
    struct CacheEntry {
        Statement statement;
        bool in_use = false;
    };
    sqlite3* db_ = nullptr;
    std::filesystem::path path_;
    std::optional<Durability> durability_;
    // Node-based, so a lent statement keeps its address while others are added.
    std::map<std::string, CacheEntry, std::less<>> cache_;
};

// RAII transaction: rolls back on destruction unless committed.
class Transaction {
public:
    Transaction(Transaction&& other) noexcept;
    Transaction& operator=(Transaction&&) = delete;
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    ~Transaction();

    Result<void> commit();
    void rollback();

private:
    friend class Database;
    explicit Transaction(Database& db);
    Database* db_ = nullptr;
};

// Maps a SQLite result code to an Error naming the file and what the operator should do.
[[nodiscard]] Error error_from_sqlite(int sqlite_code, std::string_view what,
                                      const std::filesystem::path& file);

}  // namespace hk::store
