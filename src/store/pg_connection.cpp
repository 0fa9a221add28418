#include "store/pg_connection.h"

#include <cstdlib>

namespace drawbridge::store::pg {
namespace {

std::string trimmed(const char* message) {
    std::string s = message ? message : "";
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
}

}  // namespace

std::string Result::text(int row, int col) const {
    return std::string(PQgetvalue(r_.get(), row, col),
                       static_cast<std::size_t>(PQgetlength(r_.get(), row, col)));
}

std::int64_t Result::i64(int row, int col) const {
    if (null(row, col)) return 0;
    return std::strtoll(PQgetvalue(r_.get(), row, col), nullptr, 10);
}

std::optional<std::int64_t> Result::opt(int row, int col) const {
    if (null(row, col)) return std::nullopt;
    return i64(row, col);
}

// bytea comes back in text results as "\x" and two hex digits a byte (bytea_output = hex,
// set on every connection).
std::string Result::bytes(int row, int col) const {
    const std::string hex = text(row, col);
    std::string out;
    if (hex.size() < 2 || hex[0] != '\\' || hex[1] != 'x') return out;
    out.reserve((hex.size() - 2) / 2);
    auto nibble = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return 0;
    };
    for (std::size_t i = 2; i + 1 < hex.size(); i += 2)
        out.push_back(static_cast<char>(nibble(hex[i]) << 4 | nibble(hex[i + 1])));
    return out;
}

int Result::affected() const {
    const char* n = PQcmdTuples(r_.get());
    return n && *n ? std::atoi(n) : 0;
}

void throw_error(const PGresult* r, PGconn* conn) {
    const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
    std::string message = trimmed(r ? PQresultErrorMessage(r) : nullptr);
    if (message.empty()) message = trimmed(PQerrorMessage(conn));
    if (message.empty()) message = "PostgreSQL: unknown error";
    if (state && std::string_view(state) == "23505") {
        const char* constraint = PQresultErrorField(r, PG_DIAG_CONSTRAINT_NAME);
        throw UniqueViolation(message, constraint ? constraint : "");
    }
    throw StoreError(message);
}

Connection::Connection(const std::string& uri) : conn_(PQconnectdb(uri.c_str()), &PQfinish) {
    if (!conn_ || PQstatus(conn_.get()) != CONNECTION_OK) {
        // libpq's message names the host and port, never the password.
        const std::string why = conn_ ? trimmed(PQerrorMessage(conn_.get())) : "out of memory";
        throw StoreError("cannot connect to PostgreSQL: " + why);
    }
    // Notices (NOTICE: relation exists, ...) would go to stderr: the store logs nothing itself.
    PQsetNoticeProcessor(
        conn_.get(), [](void*, const char*) {}, nullptr);
    script("SET bytea_output = 'hex'; SET client_min_messages = warning");
}

Result Connection::exec(const std::string& sql, const Params& params) const {
    std::vector<const char*> values;
    std::vector<int> lengths, formats;
    values.reserve(params.size());
    for (const auto& p : params) {
        values.push_back(p.value ? p.value->data() : nullptr);
        lengths.push_back(p.value ? static_cast<int>(p.value->size()) : 0);
        formats.push_back(p.binary ? 1 : 0);
    }
    PGresult* r = PQexecParams(conn_.get(), sql.c_str(), static_cast<int>(params.size()), nullptr,
                               values.data(), lengths.data(), formats.data(), 0);
    const auto status = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
        Result owned(r);  // freed on the way out
        throw_error(r, conn_.get());
    }
    return Result(r);
}

void Connection::script(const std::string& sql) const {
    std::unique_ptr<PGresult, decltype(&PQclear)> r(PQexec(conn_.get(), sql.c_str()), &PQclear);
    const auto status = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) throw_error(r.get(), conn_.get());
}

bool Connection::healthy() {
    if (PQstatus(conn_.get()) == CONNECTION_OK) return true;
    PQreset(conn_.get());
    if (PQstatus(conn_.get()) != CONNECTION_OK) return false;
    script("SET bytea_output = 'hex'; SET client_min_messages = warning");
    return true;
}

}  // namespace drawbridge::store::pg
