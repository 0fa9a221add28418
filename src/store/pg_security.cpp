// The PostgreSQL store's login security: sqlite_security.cpp's statements. Each decision that
// two nodes could race on (a score, a refusal count) is one statement.
#include "store/pg_store_impl.h"

namespace drawbridge::store::pg {
namespace {

constexpr const char* kBanColumns =
    "id, cidr, reason, created_at, coalesce(expires_at, 0), offences, refusals";

core::IpBan read_ban(const Result& r, int i) {
    core::IpBan b;
    b.id = r.i64(i, 0);
    b.ip = r.text(i, 1);
    b.reason = r.text(i, 2);
    b.created_at = r.i64(i, 3);
    b.expires_at = r.i64(i, 4);
    b.offences = r.i32(i, 5);
    b.refusals = r.i32(i, 6);
    return b;
}

}  // namespace

void PgStore::add_login_failure(std::int64_t user_id, const std::string& ip, core::UnixTime at) {
    run("INSERT INTO login_failures (user_id, ip, at) VALUES ($1, $2, $3)", {user_id, ip, at});
    // Failures older than the longest window a site can set (720 h) can never count again.
    run("DELETE FROM login_failures WHERE user_id = $1 AND at < $2", {user_id, at - 720 * 3600});
}

int PgStore::count_login_failures(std::int64_t user_id, core::UnixTime since,
                                  const std::string& ip) {
    return run("SELECT count(*) FROM login_failures WHERE user_id = $1 AND at > $2 "
               "AND ($3::text = '' OR ip = $3::text)",
               {user_id, since, ip})
        .i32(0, 0);
}

void PgStore::clear_login_failures(std::int64_t user_id, const std::string& ip) {
    run("DELETE FROM login_failures WHERE user_id = $1 AND ($2::text = '' OR ip = $2::text)",
        {user_id, ip});
}

void PgStore::lock_user_from(std::int64_t user_id, const std::string& ip, core::UnixTime until) {
    transaction([&] {
        run("INSERT INTO user_address_locks (user_id, ip, expires_at) VALUES ($1, $2, $3) "
            "ON CONFLICT (user_id, ip) DO UPDATE SET expires_at = excluded.expires_at",
            {user_id, ip, until});
        run("DELETE FROM sessions WHERE user_id = $1 AND address_key = $2", {user_id, ip});
    });
    changed_rights();
}

std::optional<core::UnixTime> PgStore::user_locked_from(std::int64_t user_id, const std::string& ip,
                                                        core::UnixTime now) {
    const auto r =
        run("SELECT expires_at FROM user_address_locks WHERE user_id = $1 AND ip = $2 AND "
            "expires_at > $3",
            {user_id, ip, now});
    if (r.rows() == 0) return std::nullopt;
    return r.i64(0, 0);
}

void PgStore::clear_user_address_locks(std::int64_t user_id) {
    run("DELETE FROM user_address_locks WHERE user_id = $1", {user_id});
    changed_rights();
}

int PgStore::add_ip_score(const std::string& ip, int points, core::UnixTime now,
                          core::UnixTime window) {
    // One statement, so that concurrent failures from one address (on any node) never lose a
    // point: ON CONFLICT takes the row's lock.
    const int score =
        run("INSERT INTO ip_scores AS s (ip, score, window_start, updated_at) "
            "VALUES ($1, $2::int, $3::bigint, $3::bigint) ON CONFLICT (ip) DO UPDATE SET "
            "score = CASE WHEN s.window_start <= $3::bigint - $4::bigint THEN $2::int "
            "ELSE s.score + $2::int END, "
            "window_start = CASE WHEN s.window_start <= $3::bigint - $4::bigint THEN $3::bigint "
            "ELSE s.window_start END, updated_at = $3::bigint RETURNING score",
            {ip, points, now, window})
            .i32(0, 0);
    // Scores of addresses quiet for a whole window are worth nothing: drop them now and then.
    if (score == points) run("DELETE FROM ip_scores WHERE updated_at <= $1", {now - window});
    return score;
}

void PgStore::clear_ip_score(const std::string& ip) {
    run("DELETE FROM ip_scores WHERE ip = $1", {ip});
}

std::optional<core::IpBan> PgStore::find_ip_ban(const std::string& ip) {
    const auto r =
        run(std::string("SELECT ") + kBanColumns + " FROM ip_bans WHERE cidr = $1", {ip});
    if (r.rows() == 0) return std::nullopt;
    return read_ban(r, 0);
}

void PgStore::save_ip_ban(core::IpBan& ban) {
    ban.id = run("INSERT INTO ip_bans (cidr, reason, created_at, expires_at, offences, refusals, "
                 "permanent) VALUES ($1, $2, $3, $4, $5, $6, 0) ON CONFLICT (cidr) DO UPDATE SET "
                 "reason = excluded.reason, created_at = excluded.created_at, "
                 "expires_at = excluded.expires_at, offences = excluded.offences, "
                 "refusals = excluded.refusals RETURNING id",
                 {ban.ip, ban.reason, ban.created_at, ban.expires_at, ban.offences, ban.refusals})
                 .i64(0, 0);
    changed_rights();
}

std::vector<core::IpBan> PgStore::list_ip_bans(std::optional<core::UnixTime> active_at) {
    std::string sql = std::string("SELECT ") + kBanColumns + " FROM ip_bans";
    Params p;
    if (active_at) {
        sql += " WHERE expires_at > $1";
        p.emplace_back(*active_at);
    }
    const auto r = run(sql + " ORDER BY created_at DESC, id DESC", p);
    std::vector<core::IpBan> out;
    for (int i = 0; i < r.rows(); ++i) out.push_back(read_ban(r, i));
    return out;
}

bool PgStore::delete_ip_ban(const std::string& ip) {
    const bool deleted = run("DELETE FROM ip_bans WHERE cidr = $1", {ip}).affected() > 0;
    changed_rights();
    return deleted;
}

int PgStore::count_ban_refusal(std::int64_t ban_id) {
    const auto r = run(
        "UPDATE ip_bans SET refusals = refusals + 1 WHERE id = $1 RETURNING refusals", {ban_id});
    return r.rows() ? r.i32(0, 0) : 0;
}

void PgStore::add_ip_list_entry(core::IpListEntry& e) {
    e.id = run_or_conflict(
               "INSERT INTO ip_lists (list, cidr, note, created_at) VALUES ($1, $2, $3, $4) "
               "RETURNING id",
               {core::to_string(e.list), e.cidr, e.note, e.created_at},
               [&](std::string_view) {
                   return e.cidr + " is already on the " + std::string(core::to_string(e.list)) +
                          " list";
               })
               .i64(0, 0);
    changed_rights();
}

std::vector<core::IpListEntry> PgStore::list_ip_list(std::optional<core::IpListKind> list) {
    std::string sql = "SELECT id, list, cidr, note, created_at, refusals FROM ip_lists";
    Params p;
    if (list) {
        sql += " WHERE list = $1";
        p.emplace_back(core::to_string(*list));
    }
    // COLLATE "C": in byte order, as SQLite sorts them.
    const auto r = run(sql + " ORDER BY list COLLATE \"C\", cidr COLLATE \"C\"", p);
    std::vector<core::IpListEntry> out;
    for (int i = 0; i < r.rows(); ++i) {
        core::IpListEntry e;
        e.id = r.i64(i, 0);
        e.list = core::parse_ip_list_kind(r.text(i, 1)).value_or(core::IpListKind::safe);
        e.cidr = r.text(i, 2);
        e.note = r.text(i, 3);
        e.created_at = r.i64(i, 4);
        e.refusals = r.i32(i, 5);
        out.push_back(std::move(e));
    }
    return out;
}

bool PgStore::delete_ip_list_entry(core::IpListKind list, const std::string& cidr) {
    const bool deleted =
        run("DELETE FROM ip_lists WHERE list = $1 AND cidr = $2", {core::to_string(list), cidr})
            .affected() > 0;
    changed_rights();
    return deleted;
}

int PgStore::count_list_refusal(std::int64_t entry_id) {
    const auto r = run(
        "UPDATE ip_lists SET refusals = refusals + 1 WHERE id = $1 RETURNING refusals", {entry_id});
    return r.rows() ? r.i32(0, 0) : 0;
}

}  // namespace drawbridge::store::pg
