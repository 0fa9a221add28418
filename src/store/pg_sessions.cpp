// The PostgreSQL store's login sessions: sqlite_sessions.cpp's statements.
#include "store/pg_store_impl.h"
#include "store/session_factors.h"

namespace drawbridge::store::pg {

void PgStore::create_session(core::StoredSession& s) {
    const auto& g = s.grant;
    s.id = run("INSERT INTO sessions (token_digest, user_id, interface, client_ip, address_key, "
               "factors, api_key_id, ssh_key_id, password_digest, created_at, last_used_at, "
               "expires_at, password_change_only, two_factor_setup_only) VALUES ($1, $2, $3, $4, "
               "$5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id",
               {s.token_digest, g.user_id, core::to_string(g.interface), g.client_ip, s.address_key,
                factors_text(g.factors), g.api_key_id, g.ssh_key_id, g.password_digest,
                s.created_at, s.last_used_at, s.expires_at, g.password_change_only ? 1 : 0,
                g.two_factor_setup_only ? 1 : 0})
               .i64(0, 0);
}

std::optional<core::StoredSession> PgStore::find_session(const std::string& token_digest) {
    const auto r =
        run("SELECT id, token_digest, user_id, interface, client_ip, address_key, factors, "
            "api_key_id, ssh_key_id, password_digest, created_at, last_used_at, expires_at, "
            "password_change_only, two_factor_setup_only FROM sessions WHERE token_digest = $1",
            {token_digest});
    if (r.rows() == 0) return std::nullopt;
    const auto interface = core::parse_interface(r.text(0, 3));
    // A row this binary cannot read as a whole is no session (see parse_factors).
    if (!interface) return std::nullopt;
    core::StoredSession s;
    s.id = r.i64(0, 0);
    s.token_digest = r.text(0, 1);
    s.grant.user_id = r.i64(0, 2);
    s.grant.interface = *interface;
    s.grant.client_ip = r.text(0, 4);
    s.address_key = r.text(0, 5);
    s.grant.factors = parse_factors(r.text(0, 6));
    s.grant.api_key_id = r.opt(0, 7);
    s.grant.ssh_key_id = r.opt(0, 8);
    s.grant.password_digest = r.text(0, 9);
    s.created_at = r.i64(0, 10);
    s.last_used_at = r.i64(0, 11);
    s.expires_at = r.i64(0, 12);
    s.grant.password_change_only = r.i64(0, 13) != 0;
    s.grant.two_factor_setup_only = r.i64(0, 14) != 0;
    return s;
}

void PgStore::touch_session(std::int64_t id, core::UnixTime at) {
    run("UPDATE sessions SET last_used_at = greatest(last_used_at, $1) WHERE id = $2", {at, id});
}

bool PgStore::end_two_factor_setup(const std::string& token_digest) {
    return run("UPDATE sessions SET two_factor_setup_only = 0, factors = factors || "
               "',second_factor' WHERE token_digest = $1 AND two_factor_setup_only = 1",
               {token_digest})
               .affected() > 0;
}

bool PgStore::delete_session(const std::string& token_digest) {
    return run("DELETE FROM sessions WHERE token_digest = $1", {token_digest}).affected() > 0;
}

int PgStore::delete_ended_sessions(core::UnixTime now, core::UnixTime unused_since) {
    return run("DELETE FROM sessions WHERE expires_at <= $1 OR last_used_at <= $2",
               {now, unused_since})
        .affected();
}

int PgStore::count_sessions(std::int64_t user_id) {
    return run("SELECT count(*) FROM sessions WHERE user_id = $1", {user_id}).i32(0, 0);
}

std::vector<std::pair<core::Interface, int>> PgStore::count_live_sessions(
    core::UnixTime now, core::UnixTime unused_since) {
    const auto r =
        run("SELECT interface, count(*) FROM sessions WHERE expires_at > $1 AND last_used_at > $2 "
            "GROUP BY interface",
            {now, unused_since});
    std::vector<std::pair<core::Interface, int>> out;
    for (int i = 0; i < r.rows(); ++i)
        if (const auto interface = core::parse_interface(r.text(i, 0)))
            out.emplace_back(*interface, r.i32(i, 1));
    return out;
}

}  // namespace drawbridge::store::pg
