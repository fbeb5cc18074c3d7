// Errors of the store. Each names what the operator should do, because most of them stop the
// daemon at start-up and end up on a technician's screen (see docs/operations.md).
#pragma once

#include <expected>
#include <string>
#include <string_view>

namespace hk::store {

enum class Errc {
    cannot_create,  // the state directory cannot be created (missing parent, not a directory)
    not_writable,   // the state directory or database exists but this user cannot write it
    locked,         // another hallkeeperd (or a tool) holds the state directory or database
    corrupt,        // the database file is damaged or is not a SQLite database
    too_new,        // the schema is newer than this binary knows (downgrade)
    io,             // any other I/O failure (disk full, read error)
    constraint,     // a statement violated a constraint (a bug, or a duplicate id)
    misuse,         // wrong use of the API (bad SQL, bad column index, step after done)
};

[[nodiscard]] std::string_view to_string(Errc code);

struct Error {
    Errc code = Errc::io;
    std::string message;  // one line: what happened, on which file, what to do
    int sqlite_code = 0;  // extended SQLite result code, 0 when not from SQLite
};

template <class T>
using Result = std::expected<T, Error>;

}  // namespace hk::store
