// Numbered schema migrations. The schema version lives in the `schema_version` table (one row
// per applied migration, with its name and time). Each migration runs in its own transaction
// together with its version row, so a crash leaves the schema at a whole version.
// Adding a migration: append to the list in migrations.cpp; never edit an applied one
// (docs/development.md, "Add a migration").
#pragma once

#include <span>
#include <string_view>

#include "daemon/store/database.hpp"

namespace hk::store {

struct Migration {
    int version;            // 1, 2, 3 … without gaps
    std::string_view name;  // short snake_case description
    std::string_view sql;   // statements run in one transaction
};

[[nodiscard]] std::span<const Migration> migrations();
[[nodiscard]] int latest_schema_version();

// The version of an open database: 0 for a new, empty one.
[[nodiscard]] Result<int> schema_version(Database& db);

// Applies migrations until `target` (default: latest). Errors: too_new when the database is
// already past the latest version this binary knows; misuse when target is out of range.
// Returns the version reached.
Result<int> migrate(Database& db, int target = -1);

// The same with an explicit migration list (versions 1..N in order), for tests of the
// migrator itself. Errors as above, plus misuse when the list has gaps.
Result<int> migrate(Database& db, std::span<const Migration> list, int target);

}  // namespace hk::store
