#include "store/sqlite_security.h"

namespace drawbridge::store::sqlite_security {
namespace {

constexpr const char* kBanColumns =
    "id, cidr, reason, created_at, coalesce(expires_at, 0), offences, refusals";

core::IpBan read_ban(SQLite::Statement& q) {
    core::IpBan b;
    b.id = q.getColumn(0).getInt64();
    b.ip = q.getColumn(1).getString();
    b.reason = q.getColumn(2).getString();
    b.created_at = q.getColumn(3).getInt64();
    b.expires_at = q.getColumn(4).getInt64();
    b.offences = q.getColumn(5).getInt();
    b.refusals = q.getColumn(6).getInt();
    return b;
}

int increment(SQLite::Database& db, const char* sql, std::int64_t id) {
    SQLite::Statement q(db, sql);
    q.bind(1, static_cast<int64_t>(id));
    return q.executeStep() ? q.getColumn(0).getInt() : 0;
}

}  // namespace

void add_login_failure(SQLite::Database& db, std::int64_t user_id, const std::string& ip,
                       core::UnixTime at) {
    SQLite::Statement q(db, "INSERT INTO login_failures (user_id, ip, at) VALUES (?, ?, ?)");
    q.bind(1, static_cast<int64_t>(user_id));
    q.bind(2, ip);
    q.bind(3, static_cast<int64_t>(at));
    q.exec();
    // Failures older than the longest window a site can set (720 h) can never count again.
    SQLite::Statement prune(db, "DELETE FROM login_failures WHERE user_id = ? AND at < ?");
    prune.bind(1, static_cast<int64_t>(user_id));
    prune.bind(2, static_cast<int64_t>(at - 720 * 3600));
    prune.exec();
}

int count_login_failures(SQLite::Database& db, std::int64_t user_id, core::UnixTime since,
                         const std::string& ip) {
    SQLite::Statement q(db,
                        "SELECT count(*) FROM login_failures WHERE user_id = ?1 AND at > ?2 "
                        "AND (?3 = '' OR ip = ?3)");
    q.bind(1, static_cast<int64_t>(user_id));
    q.bind(2, static_cast<int64_t>(since));
    q.bind(3, ip);
    q.executeStep();
    return q.getColumn(0).getInt();
}

void clear_login_failures(SQLite::Database& db, std::int64_t user_id, const std::string& ip) {
    SQLite::Statement q(db,
                        "DELETE FROM login_failures WHERE user_id = ?1 AND (?2 = '' OR ip = ?2)");
    q.bind(1, static_cast<int64_t>(user_id));
    q.bind(2, ip);
    q.exec();
}

void lock_user_from(SQLite::Database& db, std::int64_t user_id, const std::string& ip,
                    core::UnixTime until) {
    SQLite::Statement q(db,
                        "INSERT INTO user_address_locks (user_id, ip, expires_at) VALUES (?, ?, ?) "
                        "ON CONFLICT (user_id, ip) DO UPDATE SET expires_at = excluded.expires_at");
    q.bind(1, static_cast<int64_t>(user_id));
    q.bind(2, ip);
    q.bind(3, static_cast<int64_t>(until));
    q.exec();
}

std::optional<core::UnixTime> user_locked_from(SQLite::Database& db, std::int64_t user_id,
                                               const std::string& ip, core::UnixTime now) {
    SQLite::Statement q(db,
                        "SELECT expires_at FROM user_address_locks "
                        "WHERE user_id = ? AND ip = ? AND expires_at > ?");
    q.bind(1, static_cast<int64_t>(user_id));
    q.bind(2, ip);
    q.bind(3, static_cast<int64_t>(now));
    if (!q.executeStep()) return std::nullopt;
    return q.getColumn(0).getInt64();
}

void clear_user_address_locks(SQLite::Database& db, std::int64_t user_id) {
    SQLite::Statement q(db, "DELETE FROM user_address_locks WHERE user_id = ?");
    q.bind(1, static_cast<int64_t>(user_id));
    q.exec();
}

int add_ip_score(SQLite::Database& db, const std::string& ip, int points, core::UnixTime now,
                 core::UnixTime window) {
    // One statement, so that concurrent failures from one address never lose a point.
    SQLite::Statement q(db,
                        "INSERT INTO ip_scores (ip, score, window_start, updated_at) "
                        "VALUES (?1, ?2, ?3, ?3) ON CONFLICT (ip) DO UPDATE SET "
                        "score = CASE WHEN window_start <= ?3 - ?4 THEN ?2 ELSE score + ?2 END, "
                        "window_start = CASE WHEN window_start <= ?3 - ?4 THEN ?3 "
                        "ELSE window_start END, updated_at = ?3 RETURNING score");
    q.bind(1, ip);
    q.bind(2, points);
    q.bind(3, static_cast<int64_t>(now));
    q.bind(4, static_cast<int64_t>(window));
    const int score = q.executeStep() ? q.getColumn(0).getInt() : points;
    q.reset();
    // Scores of addresses quiet for a whole window are worth nothing: drop them now and then,
    // so that a scan from many addresses does not grow the table for ever.
    if (score == points) {
        SQLite::Statement prune(db, "DELETE FROM ip_scores WHERE updated_at <= ?");
        prune.bind(1, static_cast<int64_t>(now - window));
        prune.exec();
    }
    return score;
}

void clear_ip_score(SQLite::Database& db, const std::string& ip) {
    SQLite::Statement q(db, "DELETE FROM ip_scores WHERE ip = ?");
    q.bind(1, ip);
    q.exec();
}

std::optional<core::IpBan> find_ip_ban(SQLite::Database& db, const std::string& ip) {
    SQLite::Statement q(db, std::string("SELECT ") + kBanColumns + " FROM ip_bans WHERE cidr = ?");
    q.bind(1, ip);
    if (!q.executeStep()) return std::nullopt;
    return read_ban(q);
}

void save_ip_ban(SQLite::Database& db, core::IpBan& ban) {
    SQLite::Statement q(db,
                        "INSERT INTO ip_bans (cidr, reason, created_at, expires_at, offences, "
                        "refusals, permanent) VALUES (?, ?, ?, ?, ?, ?, 0) ON CONFLICT (cidr) "
                        "DO UPDATE SET reason = excluded.reason, created_at = excluded.created_at, "
                        "expires_at = excluded.expires_at, offences = excluded.offences, "
                        "refusals = excluded.refusals RETURNING id");
    q.bind(1, ban.ip);
    q.bind(2, ban.reason);
    q.bind(3, static_cast<int64_t>(ban.created_at));
    q.bind(4, static_cast<int64_t>(ban.expires_at));
    q.bind(5, ban.offences);
    q.bind(6, ban.refusals);
    if (q.executeStep()) ban.id = q.getColumn(0).getInt64();
}

std::vector<core::IpBan> list_ip_bans(SQLite::Database& db,
                                      std::optional<core::UnixTime> active_at) {
    std::string sql = std::string("SELECT ") + kBanColumns + " FROM ip_bans";
    if (active_at) sql += " WHERE expires_at > ?";
    sql += " ORDER BY created_at DESC, id DESC";
    SQLite::Statement q(db, sql);
    if (active_at) q.bind(1, static_cast<int64_t>(*active_at));
    std::vector<core::IpBan> out;
    while (q.executeStep()) out.push_back(read_ban(q));
    return out;
}

bool delete_ip_ban(SQLite::Database& db, const std::string& ip) {
    SQLite::Statement q(db, "DELETE FROM ip_bans WHERE cidr = ?");
    q.bind(1, ip);
    return q.exec() > 0;
}

int count_ban_refusal(SQLite::Database& db, std::int64_t ban_id) {
    return increment(
        db, "UPDATE ip_bans SET refusals = refusals + 1 WHERE id = ? RETURNING refusals", ban_id);
}

void add_ip_list_entry(SQLite::Database& db, core::IpListEntry& e) {
    SQLite::Statement q(db,
                        "INSERT INTO ip_lists (list, cidr, note, created_at) VALUES (?, ?, ?, ?)");
    q.bind(1, std::string(core::to_string(e.list)));
    q.bind(2, e.cidr);
    q.bind(3, e.note);
    q.bind(4, static_cast<int64_t>(e.created_at));
    q.exec();
    e.id = db.getLastInsertRowid();
}

std::vector<core::IpListEntry> list_ip_list(SQLite::Database& db,
                                            std::optional<core::IpListKind> list) {
    std::string sql = "SELECT id, list, cidr, note, created_at, refusals FROM ip_lists";
    if (list) sql += " WHERE list = ?";
    sql += " ORDER BY list, cidr";
    SQLite::Statement q(db, sql);
    if (list) q.bind(1, std::string(core::to_string(*list)));
    std::vector<core::IpListEntry> out;
    while (q.executeStep()) {
        core::IpListEntry e;
        e.id = q.getColumn(0).getInt64();
        e.list =
            core::parse_ip_list_kind(q.getColumn(1).getString()).value_or(core::IpListKind::safe);
        e.cidr = q.getColumn(2).getString();
        e.note = q.getColumn(3).getString();
        e.created_at = q.getColumn(4).getInt64();
        e.refusals = q.getColumn(5).getInt();
        out.push_back(std::move(e));
    }
    return out;
}

bool delete_ip_list_entry(SQLite::Database& db, core::IpListKind list, const std::string& cidr) {
    SQLite::Statement q(db, "DELETE FROM ip_lists WHERE list = ? AND cidr = ?");
    q.bind(1, std::string(core::to_string(list)));
    q.bind(2, cidr);
    return q.exec() > 0;
}

int count_list_refusal(SQLite::Database& db, std::int64_t entry_id) {
    return increment(db,
                     "UPDATE ip_lists SET refusals = refusals + 1 WHERE id = ? RETURNING refusals",
                     entry_id);
}

}  // namespace drawbridge::store::sqlite_security
