#include "store/sqlite_mail.h"
#include "store/sqlite_values.h"

namespace drawbridge::store::sqlite_mail {
namespace {

constexpr const char* kColumns =
    "id, kind, user_id, recipient, subject, body_text, body_html, state, attempts, "
    "next_attempt_at, last_error, created_at, sent_at";

core::OutboxMail read_mail(SQLite::Statement& q) {
    core::OutboxMail m;
    m.id = q.getColumn(0).getInt64();
    m.kind = q.getColumn(1).getString();
    m.user_id = opt_int(q.getColumn(2));
    m.recipient = q.getColumn(3).getString();
    m.subject = q.getColumn(4).getString();
    m.body_text = q.getColumn(5).getString();
    m.body_html = q.getColumn(6).getString();
    // A state a newer binary wrote reads as failed: never sent again by this one.
    m.state = core::parse_mail_state(q.getColumn(7).getString()).value_or(core::MailState::failed);
    m.attempts = q.getColumn(8).getInt();
    m.next_attempt_at = q.getColumn(9).getInt64();
    m.last_error = q.getColumn(10).getString();
    m.created_at = q.getColumn(11).getInt64();
    m.sent_at = opt_int(q.getColumn(12));
    return m;
}

}  // namespace

void enqueue(SQLite::Database& db, core::OutboxMail& m) {
    SQLite::Statement q(db,
                        "INSERT INTO mail_outbox (kind, user_id, recipient, subject, body_text, "
                        "body_html, state, attempts, next_attempt_at, last_error, created_at) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    q.bind(1, m.kind);
    bind_opt(q, 2, m.user_id);
    q.bind(3, m.recipient);
    q.bind(4, m.subject);
    q.bind(5, m.body_text);
    q.bind(6, m.body_html);
    q.bind(7, std::string(core::to_string(m.state)));
    q.bind(8, m.attempts);
    q.bind(9, static_cast<int64_t>(m.next_attempt_at));
    q.bind(10, m.last_error);
    q.bind(11, static_cast<int64_t>(m.created_at));
    q.exec();
    m.id = db.getLastInsertRowid();
}

// The caller holds a write transaction (SqliteStore runs it in one), so the select and the
// update are one step for every process sharing the file.
std::optional<core::OutboxMail> claim_due(SQLite::Database& db, core::UnixTime now,
                                          core::UnixTime lease_until) {
    SQLite::Statement q(db, std::string("SELECT ") + kColumns +
                                " FROM mail_outbox WHERE state IN ('queued', 'sending') AND "
                                "next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT 1");
    q.bind(1, static_cast<int64_t>(now));
    if (!q.executeStep()) return std::nullopt;
    auto m = read_mail(q);
    q.reset();
    m.state = core::MailState::sending;
    m.attempts += 1;
    m.next_attempt_at = lease_until;
    SQLite::Statement u(db,
                        "UPDATE mail_outbox SET state = 'sending', attempts = ?, "
                        "next_attempt_at = ? WHERE id = ?");
    u.bind(1, m.attempts);
    u.bind(2, static_cast<int64_t>(lease_until));
    u.bind(3, static_cast<int64_t>(m.id));
    u.exec();
    return m;
}

void finish(SQLite::Database& db, const core::OutboxMail& m) {
    SQLite::Statement q(db,
                        "UPDATE mail_outbox SET state = ?, next_attempt_at = ?, last_error = ?, "
                        "sent_at = ? WHERE id = ?");
    q.bind(1, std::string(core::to_string(m.state)));
    q.bind(2, static_cast<int64_t>(m.next_attempt_at));
    q.bind(3, m.last_error);
    bind_opt(q, 4, m.sent_at);
    q.bind(5, static_cast<int64_t>(m.id));
    q.exec();
}

std::vector<core::OutboxMail> list(SQLite::Database& db, std::optional<core::MailState> state,
                                   int limit, std::optional<std::int64_t> before_id) {
    SQLite::Statement q(db, std::string("SELECT ") + kColumns +
                                " FROM mail_outbox WHERE (? IS NULL OR state = ?) "
                                "AND (? IS NULL OR id < ?) ORDER BY id DESC LIMIT ?");
    if (state) {
        q.bind(1, std::string(core::to_string(*state)));
        q.bind(2, std::string(core::to_string(*state)));
    } else {
        q.bind(1);
        q.bind(2);
    }
    if (before_id) {
        q.bind(3, *before_id);
        q.bind(4, *before_id);
    } else {
        q.bind(3);
        q.bind(4);
    }
    q.bind(5, limit);
    std::vector<core::OutboxMail> out;
    while (q.executeStep()) out.push_back(read_mail(q));
    return out;
}

int count_recent(SQLite::Database& db, std::string_view kind, std::string_view recipient,
                 std::optional<std::int64_t> user_id, core::UnixTime since) {
    SQLite::Statement q(db,
                        "SELECT count(*) FROM mail_outbox WHERE kind = ? AND created_at >= ? AND "
                        "(? = '' OR recipient = ? COLLATE NOCASE) AND (? IS NULL OR user_id = ?)");
    q.bind(1, std::string(kind));
    q.bind(2, static_cast<int64_t>(since));
    q.bind(3, std::string(recipient));
    q.bind(4, std::string(recipient));
    bind_opt(q, 5, user_id);
    bind_opt(q, 6, user_id);
    q.executeStep();
    return q.getColumn(0).getInt();
}

void create_token(SQLite::Database& db, core::MailToken& t) {
    SQLite::Statement q(db,
                        "INSERT INTO mail_tokens (token_digest, user_id, purpose, "
                        "password_hash_digest, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)");
    q.bind(1, t.token_digest);
    q.bind(2, static_cast<int64_t>(t.user_id));
    q.bind(3, t.purpose);
    q.bind(4, t.password_hash_digest);
    q.bind(5, static_cast<int64_t>(t.created_at));
    q.bind(6, static_cast<int64_t>(t.expires_at));
    q.exec();
    t.id = db.getLastInsertRowid();
}

std::optional<core::MailToken> find_token(SQLite::Database& db, const std::string& digest) {
    SQLite::Statement q(db,
                        "SELECT id, token_digest, user_id, purpose, password_hash_digest, "
                        "created_at, expires_at, used_at FROM mail_tokens WHERE token_digest = ?");
    q.bind(1, digest);
    if (!q.executeStep()) return std::nullopt;
    core::MailToken t;
    t.id = q.getColumn(0).getInt64();
    t.token_digest = q.getColumn(1).getString();
    t.user_id = q.getColumn(2).getInt64();
    t.purpose = q.getColumn(3).getString();
    t.password_hash_digest = q.getColumn(4).getString();
    t.created_at = q.getColumn(5).getInt64();
    t.expires_at = q.getColumn(6).getInt64();
    t.used_at = opt_int(q.getColumn(7));
    return t;
}

bool use_token(SQLite::Database& db, std::int64_t id, core::UnixTime at) {
    SQLite::Statement q(db, "UPDATE mail_tokens SET used_at = ? WHERE id = ? AND used_at IS NULL");
    q.bind(1, static_cast<int64_t>(at));
    q.bind(2, static_cast<int64_t>(id));
    return q.exec() == 1;
}

bool record_reminder(SQLite::Database& db, std::int64_t user_id, int threshold_days,
                     core::UnixTime password_set_at, core::UnixTime at) {
    SQLite::Statement q(db,
                        "INSERT OR IGNORE INTO mail_reminders (user_id, threshold_days, "
                        "password_set_at, sent_at) VALUES (?, ?, ?, ?)");
    q.bind(1, static_cast<int64_t>(user_id));
    q.bind(2, threshold_days);
    q.bind(3, static_cast<int64_t>(password_set_at));
    q.bind(4, static_cast<int64_t>(at));
    return q.exec() == 1;
}

bool claim_job(SQLite::Database& db, const std::string& name, const std::string& holder,
               core::UnixTime now, core::UnixTime until) {
    SQLite::Statement q(db,
                        "INSERT INTO job_claims (name, holder, until) VALUES (?, ?, ?) "
                        "ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, "
                        "until = excluded.until WHERE job_claims.holder = excluded.holder OR "
                        "job_claims.until <= ?");
    q.bind(1, name);
    q.bind(2, holder);
    q.bind(3, static_cast<int64_t>(until));
    q.bind(4, static_cast<int64_t>(now));
    return q.exec() == 1;
}

std::optional<core::MailTemplateText> find_template(SQLite::Database& db, const std::string& kind) {
    SQLite::Statement q(
        db,
        "SELECT kind, subject, body_text, body_html, updated_at FROM mail_templates "
        "WHERE kind = ?");
    q.bind(1, kind);
    if (!q.executeStep()) return std::nullopt;
    return core::MailTemplateText{q.getColumn(0).getString(), q.getColumn(1).getString(),
                                  q.getColumn(2).getString(), q.getColumn(3).getString(),
                                  q.getColumn(4).getInt64()};
}

void save_template(SQLite::Database& db, const core::MailTemplateText& t) {
    SQLite::Statement q(db,
                        "INSERT OR REPLACE INTO mail_templates (kind, subject, body_text, "
                        "body_html, updated_at) VALUES (?, ?, ?, ?, ?)");
    q.bind(1, t.kind);
    q.bind(2, t.subject);
    q.bind(3, t.text);
    q.bind(4, t.html);
    q.bind(5, static_cast<int64_t>(t.updated_at));
    q.exec();
}

bool delete_template(SQLite::Database& db, const std::string& kind) {
    SQLite::Statement q(db, "DELETE FROM mail_templates WHERE kind = ?");
    q.bind(1, kind);
    return q.exec() == 1;
}

}  // namespace drawbridge::store::sqlite_mail
