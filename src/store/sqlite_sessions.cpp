#include "store/sqlite_sessions.h"
#include "store/session_factors.h"
#include "store/sqlite_values.h"

namespace drawbridge::store::sqlite_sessions {
namespace {

constexpr const char* kColumns =
    "id, token_digest, user_id, interface, client_ip, address_key, factors, api_key_id, "
    "ssh_key_id, password_digest, created_at, last_used_at, expires_at, password_change_only, "
    "two_factor_setup_only";

}  // namespace

void create(SQLite::Database& db, core::StoredSession& s) {
    SQLite::Statement q(db,
                        "INSERT INTO sessions (token_digest, user_id, interface, client_ip, "
                        "address_key, factors, api_key_id, ssh_key_id, password_digest, "
                        "created_at, last_used_at, expires_at, password_change_only, "
                        "two_factor_setup_only) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    const auto& g = s.grant;
    q.bind(1, s.token_digest);
    q.bind(2, static_cast<int64_t>(g.user_id));
    q.bind(3, std::string(core::to_string(g.interface)));
    q.bind(4, g.client_ip);
    q.bind(5, s.address_key);
    q.bind(6, factors_text(g.factors));
    bind_opt(q, 7, g.api_key_id);
    bind_opt(q, 8, g.ssh_key_id);
    q.bind(9, g.password_digest);
    q.bind(10, static_cast<int64_t>(s.created_at));
    q.bind(11, static_cast<int64_t>(s.last_used_at));
    q.bind(12, static_cast<int64_t>(s.expires_at));
    q.bind(13, g.password_change_only ? 1 : 0);
    q.bind(14, g.two_factor_setup_only ? 1 : 0);
    q.exec();
    s.id = db.getLastInsertRowid();
}

SQLite::Statement prepare_find(SQLite::Database& db) {
    return SQLite::Statement(
        db, std::string("SELECT ") + kColumns + " FROM sessions WHERE token_digest = ?");
}

std::optional<core::StoredSession> find(SQLite::Statement& q, const std::string& token_digest) {
    q.tryReset();
    q.bind(1, token_digest);
    struct ResetAfter {
        SQLite::Statement& q;
        ~ResetAfter() { q.tryReset(); }
    } reset_after{q};
    if (!q.executeStep()) return std::nullopt;
    const auto interface = core::parse_interface(q.getColumn(3).getString());
    // A row this binary cannot read as a whole is no session (see parse_factors).
    if (!interface) return std::nullopt;
    core::StoredSession s;
    s.id = q.getColumn(0).getInt64();
    s.token_digest = q.getColumn(1).getString();
    s.grant.user_id = q.getColumn(2).getInt64();
    s.grant.interface = *interface;
    s.grant.client_ip = q.getColumn(4).getString();
    s.address_key = q.getColumn(5).getString();
    s.grant.factors = parse_factors(q.getColumn(6).getString());
    s.grant.api_key_id = opt_int(q.getColumn(7));
    s.grant.ssh_key_id = opt_int(q.getColumn(8));
    s.grant.password_digest = q.getColumn(9).getString();
    s.created_at = q.getColumn(10).getInt64();
    s.last_used_at = q.getColumn(11).getInt64();
    s.expires_at = q.getColumn(12).getInt64();
    s.grant.password_change_only = q.getColumn(13).getInt() != 0;
    s.grant.two_factor_setup_only = q.getColumn(14).getInt() != 0;
    return s;
}

bool end_two_factor_setup(SQLite::Database& db, const std::string& token_digest) {
    SQLite::Statement q(db,
                        "UPDATE sessions SET two_factor_setup_only = 0, factors = factors || "
                        "',second_factor' WHERE token_digest = ? AND two_factor_setup_only = 1");
    q.bind(1, token_digest);
    return q.exec() > 0;
}

void touch(SQLite::Database& db, std::int64_t id, core::UnixTime at) {
    SQLite::Statement q(db, "UPDATE sessions SET last_used_at = max(last_used_at, ?) WHERE id = ?");
    q.bind(1, static_cast<int64_t>(at));
    q.bind(2, static_cast<int64_t>(id));
    q.exec();
}

bool remove(SQLite::Database& db, const std::string& token_digest) {
    SQLite::Statement q(db, "DELETE FROM sessions WHERE token_digest = ?");
    q.bind(1, token_digest);
    return q.exec() > 0;
}

int remove_ended(SQLite::Database& db, core::UnixTime now, core::UnixTime unused_since) {
    SQLite::Statement q(db, "DELETE FROM sessions WHERE expires_at <= ? OR last_used_at <= ?");
    q.bind(1, static_cast<int64_t>(now));
    q.bind(2, static_cast<int64_t>(unused_since));
    return q.exec();
}

int count_of_user(SQLite::Database& db, std::int64_t user_id) {
    SQLite::Statement q(db, "SELECT count(*) FROM sessions WHERE user_id = ?");
    q.bind(1, static_cast<int64_t>(user_id));
    return q.executeStep() ? q.getColumn(0).getInt() : 0;
}

std::vector<std::pair<core::Interface, int>> count_live(SQLite::Database& db, core::UnixTime now,
                                                        core::UnixTime unused_since) {
    SQLite::Statement q(db,
                        "SELECT interface, count(*) FROM sessions WHERE expires_at > ? AND "
                        "last_used_at > ? GROUP BY interface");
    q.bind(1, static_cast<int64_t>(now));
    q.bind(2, static_cast<int64_t>(unused_since));
    std::vector<std::pair<core::Interface, int>> out;
    while (q.executeStep())
        if (const auto i = core::parse_interface(q.getColumn(0).getString()))
            out.emplace_back(*i, q.getColumn(1).getInt());
    return out;
}

void revoke_for_update(SQLite::Database& db, const core::User& user) {
    // ?2: disabled; ?3: the new lockout_expires (NULL: none); ?4: the new password hash.
    SQLite::Statement q(
        db,
        "DELETE FROM sessions WHERE user_id = ?1 AND ("
        " ?2 != 0"
        " OR (?3 IS NOT NULL AND ?3 IS NOT (SELECT lockout_expires FROM users WHERE id = ?1))"
        " OR (password_digest != '' AND"
        "     ?4 IS NOT (SELECT password_hash FROM users WHERE id = ?1)))");
    q.bind(1, static_cast<int64_t>(user.id));
    q.bind(2, user.disabled ? 1 : 0);
    bind_opt(q, 3, user.lockout_expires);
    q.bind(4, user.password_hash);
    q.exec();
}

void revoke_from_address(SQLite::Database& db, std::int64_t user_id,
                         const std::string& address_key) {
    SQLite::Statement q(db, "DELETE FROM sessions WHERE user_id = ? AND address_key = ?");
    q.bind(1, static_cast<int64_t>(user_id));
    q.bind(2, address_key);
    q.exec();
}

}  // namespace drawbridge::store::sqlite_sessions
