// A small RAII layer over libpq for the PostgreSQL store (docs/store.md#postgresql): one
// connection, results that free themselves, and parameterised statements only (PQexecParams),
// so that no value is ever spliced into SQL text. Errors become StoreError, and a unique
// violation (SQLSTATE 23505) a Conflict.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/store.h"

namespace drawbridge::store::pg {

// One statement parameter, sent as text (PostgreSQL infers or casts its type), as bytes (a
// bytea, sent in binary), or NULL.
struct Param {
    std::optional<std::string> value;
    bool binary = false;

    Param(std::nullptr_t) {}
    Param(std::int64_t v) : value(std::to_string(v)) {}
    Param(int v) : value(std::to_string(v)) {}
    Param(unsigned v) : value(std::to_string(v)) {}
    Param(bool v) : value(v ? "1" : "0") {}
    Param(std::string v) : value(std::move(v)) {}
    Param(std::string_view v) : value(std::string(v)) {}
    Param(const char* v) : value(std::string(v)) {}
    Param(std::optional<std::int64_t> v) {
        if (v) value = std::to_string(*v);
    }
    static Param bytes(std::string v) {
        Param p(std::move(v));
        p.binary = true;
        return p;
    }
};
using Params = std::vector<Param>;

class Result {
  public:
    explicit Result(PGresult* r) : r_(r, &PQclear) {}
    int rows() const { return PQntuples(r_.get()); }
    bool null(int row, int col) const { return PQgetisnull(r_.get(), row, col); }
    std::string text(int row, int col) const;
    std::int64_t i64(int row, int col) const;
    int i32(int row, int col) const { return static_cast<int>(i64(row, col)); }
    std::optional<std::int64_t> opt(int row, int col) const;
    std::string bytes(int row, int col) const;  // a bytea column
    int column(const char* name) const { return PQfnumber(r_.get(), name); }
    int affected() const;  // rows an INSERT, UPDATE or DELETE touched

  private:
    std::unique_ptr<PGresult, decltype(&PQclear)> r_;
};

class Connection {
  public:
    explicit Connection(const std::string& uri);
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    Result exec(const std::string& sql, const Params& params = {}) const;
    // Several statements without parameters (migrations, BEGIN/COMMIT).
    void script(const std::string& sql) const;
    // Whether the server is still there; resets the connection once when it is not.
    bool healthy();
    PGconn* raw() const { return conn_.get(); }

  private:
    std::unique_ptr<PGconn, decltype(&PQfinish)> conn_;
};

// The server's error of a failed result as a StoreError (a UniqueViolation for SQLSTATE 23505).
[[noreturn]] void throw_error(const PGresult* r, PGconn* conn);

// Thrown for unique violations; carries the constraint's name so that the store can say which
// field clashed.
struct UniqueViolation : Conflict {
    UniqueViolation(const std::string& what, std::string constraint_name)
        : Conflict(what), constraint(std::move(constraint_name)) {}
    std::string constraint;
};

}  // namespace drawbridge::store::pg
