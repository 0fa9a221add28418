// The PostgreSQL store's mail: sqlite_mail.cpp's statements. The claims (claim_due_mail,
// use_mail_token, record_reminder, claim_job) are each one statement, so that two nodes never
// both win one.
#include "store/pg_store_impl.h"

namespace drawbridge::store::pg {
namespace {

constexpr const char* kColumns =
    "id, kind, user_id, recipient, subject, body_text, body_html, state, attempts, "
    "next_attempt_at, last_error, created_at, sent_at";

core::OutboxMail read_mail(const Result& r, int i) {
    core::OutboxMail m;
    m.id = r.i64(i, 0);
    m.kind = r.text(i, 1);
    m.user_id = r.opt(i, 2);
    m.recipient = r.text(i, 3);
    m.subject = r.text(i, 4);
    m.body_text = r.text(i, 5);
    m.body_html = r.text(i, 6);
    // A state a newer binary wrote reads as failed: never sent again by this one.
    m.state = core::parse_mail_state(r.text(i, 7)).value_or(core::MailState::failed);
    m.attempts = r.i32(i, 8);
    m.next_attempt_at = r.i64(i, 9);
    m.last_error = r.text(i, 10);
    m.created_at = r.i64(i, 11);
    m.sent_at = r.opt(i, 12);
    return m;
}

}  // namespace

void PgStore::enqueue_mail(core::OutboxMail& m) {
    m.id =
        run("INSERT INTO mail_outbox (kind, user_id, recipient, subject, body_text, "
            "body_html, state, attempts, next_attempt_at, last_error, created_at) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
            {m.kind, m.user_id, m.recipient, m.subject, m.body_text, m.body_html,
             core::to_string(m.state), m.attempts, m.next_attempt_at, m.last_error, m.created_at})
            .i64(0, 0);
}

// SKIP LOCKED: a row another sender is claiming this instant is passed over, not waited for.
std::optional<core::OutboxMail> PgStore::claim_due_mail(core::UnixTime now,
                                                        core::UnixTime lease_until) {
    const auto r =
        run(std::string("UPDATE mail_outbox SET state = 'sending', attempts = attempts + 1, "
                        "next_attempt_at = $2 WHERE id = (SELECT id FROM mail_outbox "
                        "WHERE state IN ('queued', 'sending') AND next_attempt_at <= $1 "
                        "ORDER BY next_attempt_at, id LIMIT 1 FOR UPDATE SKIP LOCKED) "
                        "AND state IN ('queued', 'sending') AND next_attempt_at <= $1 RETURNING ") +
                kColumns,
            {now, lease_until});
    if (r.rows() == 0) return std::nullopt;
    return read_mail(r, 0);
}

void PgStore::finish_mail(const core::OutboxMail& m) {
    run("UPDATE mail_outbox SET state = $1, next_attempt_at = $2, last_error = $3, sent_at = $4 "
        "WHERE id = $5",
        {core::to_string(m.state), m.next_attempt_at, m.last_error, m.sent_at, m.id});
}

std::vector<core::OutboxMail> PgStore::list_mail(std::optional<core::MailState> state, int limit,
                                                 std::optional<std::int64_t> before_id) {
    const auto r =
        run(std::string("SELECT ") + kColumns +
                " FROM mail_outbox WHERE ($1::text IS NULL OR state = $1::text) "
                "AND ($2::bigint IS NULL OR id < $2::bigint) ORDER BY id DESC LIMIT $3::bigint",
            {state ? Param(core::to_string(*state)) : Param(nullptr), before_id,
             limit < 0 ? Param(nullptr) : Param(limit)});  // SQLite: < 0 is none
    std::vector<core::OutboxMail> out;
    for (int i = 0; i < r.rows(); ++i) out.push_back(read_mail(r, i));
    return out;
}

int PgStore::count_recent_mail(std::string_view kind, std::string_view recipient,
                               std::optional<std::int64_t> user_id, core::UnixTime since) {
    return run("SELECT count(*) FROM mail_outbox WHERE kind = $1 AND created_at >= $2 AND "
               "($3::text = '' OR lower(recipient) = lower($3::text)) AND "
               "($4::bigint IS NULL OR user_id = $4::bigint)",
               {kind, since, recipient, user_id})
        .i32(0, 0);
}

void PgStore::create_mail_token(core::MailToken& t) {
    t.id = run("INSERT INTO mail_tokens (token_digest, user_id, purpose, password_hash_digest, "
               "created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
               {t.token_digest, t.user_id, t.purpose, t.password_hash_digest, t.created_at,
                t.expires_at})
               .i64(0, 0);
}

std::optional<core::MailToken> PgStore::find_mail_token(const std::string& digest) {
    const auto r =
        run("SELECT id, token_digest, user_id, purpose, password_hash_digest, created_at, "
            "expires_at, used_at FROM mail_tokens WHERE token_digest = $1",
            {digest});
    if (r.rows() == 0) return std::nullopt;
    core::MailToken t;
    t.id = r.i64(0, 0);
    t.token_digest = r.text(0, 1);
    t.user_id = r.i64(0, 2);
    t.purpose = r.text(0, 3);
    t.password_hash_digest = r.text(0, 4);
    t.created_at = r.i64(0, 5);
    t.expires_at = r.i64(0, 6);
    t.used_at = r.opt(0, 7);
    return t;
}

bool PgStore::use_mail_token(std::int64_t id, core::UnixTime at) {
    return run("UPDATE mail_tokens SET used_at = $1 WHERE id = $2 AND used_at IS NULL", {at, id})
               .affected() == 1;
}

bool PgStore::record_reminder(std::int64_t user_id, int threshold_days,
                              core::UnixTime password_set_at, core::UnixTime at) {
    return run("INSERT INTO mail_reminders (user_id, threshold_days, password_set_at, sent_at) "
               "VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
               {user_id, threshold_days, password_set_at, at})
               .affected() == 1;
}

// A row with a lease: ON CONFLICT takes the row's lock, so of two nodes claiming at once the
// second sees the first's holder and until.
bool PgStore::claim_job(const std::string& name, const std::string& holder, core::UnixTime now,
                        core::UnixTime until) {
    return run("INSERT INTO job_claims AS j (name, holder, until) VALUES ($1, $2, $3) "
               "ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, "
               "until = excluded.until WHERE j.holder = excluded.holder OR j.until <= $4",
               {name, holder, until, now})
               .affected() == 1;
}

std::optional<core::MailTemplateText> PgStore::find_mail_template(const std::string& kind) {
    const auto r =
        run("SELECT kind, subject, body_text, body_html, updated_at FROM mail_templates "
            "WHERE kind = $1",
            {kind});
    if (r.rows() == 0) return std::nullopt;
    return core::MailTemplateText{r.text(0, 0), r.text(0, 1), r.text(0, 2), r.text(0, 3),
                                  r.i64(0, 4)};
}

void PgStore::save_mail_template(const core::MailTemplateText& t) {
    run("INSERT INTO mail_templates (kind, subject, body_text, body_html, updated_at) "
        "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (kind) DO UPDATE SET subject = excluded.subject, "
        "body_text = excluded.body_text, body_html = excluded.body_html, "
        "updated_at = excluded.updated_at",
        {t.kind, t.subject, t.text, t.html, t.updated_at});
}

bool PgStore::delete_mail_template(const std::string& kind) {
    return run("DELETE FROM mail_templates WHERE kind = $1", {kind}).affected() == 1;
}

}  // namespace drawbridge::store::pg
