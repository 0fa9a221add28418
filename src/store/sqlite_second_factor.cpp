#include "store/sqlite_second_factor.h"

#include "store/sqlite_values.h"

namespace drawbridge::store::sqlite_second_factor {
namespace {

int run(SQLite::Database& db, const char* sql, std::int64_t a, std::int64_t b) {
    SQLite::Statement q(db, sql);
    q.bind(1, static_cast<int64_t>(a));
    q.bind(2, static_cast<int64_t>(b));
    return q.exec();
}

void bind_blob(SQLite::Statement& q, int i, const std::string& bytes) {
    q.bind(i, bytes.data(), static_cast<int>(bytes.size()));
}

std::string blob_of(const SQLite::Column& c) {
    return std::string(static_cast<const char*>(c.getBlob()),
                       static_cast<std::size_t>(c.getBytes()));
}

}  // namespace

std::optional<core::TotpEnrolment> find_totp(SQLite::Database& db, std::int64_t user_id) {
    SQLite::Statement q(
        db, "SELECT secret, confirmed, last_step, created_at FROM totp WHERE user_id = ?");
    q.bind(1, static_cast<int64_t>(user_id));
    if (!q.executeStep()) return std::nullopt;
    core::TotpEnrolment e;
    e.user_id = user_id;
    e.secret = blob_of(q.getColumn(0));
    e.confirmed = q.getColumn(1).getInt();
    e.last_step = q.getColumn(2).getInt64();
    e.created_at = q.getColumn(3).getInt64();
    return e;
}

bool begin_totp(SQLite::Database& db, const core::TotpEnrolment& e) {
    // Replaces an unconfirmed secret only: the conflict clause leaves a confirmed one alone.
    SQLite::Statement q(db,
                        "INSERT INTO totp (user_id, secret, confirmed, last_step, created_at) "
                        "VALUES (?, ?, 0, 0, ?) ON CONFLICT(user_id) DO UPDATE SET "
                        "secret = excluded.secret, last_step = 0, created_at = excluded.created_at "
                        "WHERE confirmed = 0");
    q.bind(1, static_cast<int64_t>(e.user_id));
    bind_blob(q, 2, e.secret);
    q.bind(3, static_cast<int64_t>(e.created_at));
    return q.exec() > 0;
}

bool confirm_totp(SQLite::Database& db, std::int64_t user_id, std::int64_t step) {
    return run(db,
               "UPDATE totp SET confirmed = 1, last_step = ?2 WHERE user_id = ?1 AND confirmed = 0",
               user_id, step) > 0;
}

// One statement decides: two nodes given the same code at once cannot both change the row.
bool claim_totp_step(SQLite::Database& db, std::int64_t user_id, std::int64_t step) {
    return run(db,
               "UPDATE totp SET last_step = ?2 WHERE user_id = ?1 AND confirmed = 1 AND "
               "last_step < ?2",
               user_id, step) > 0;
}

bool delete_totp(SQLite::Database& db, std::int64_t user_id) {
    SQLite::Statement q(db, "DELETE FROM totp WHERE user_id = ?");
    q.bind(1, static_cast<int64_t>(user_id));
    return q.exec() > 0;
}

void replace_recovery_codes(SQLite::Database& db, std::int64_t user_id,
                            const std::vector<std::string>& digests) {
    SQLite::Statement del(db, "DELETE FROM recovery_codes WHERE user_id = ?");
    del.bind(1, static_cast<int64_t>(user_id));
    del.exec();
    SQLite::Statement ins(db, "INSERT INTO recovery_codes (user_id, digest) VALUES (?, ?)");
    for (const auto& d : digests) {
        ins.bind(1, static_cast<int64_t>(user_id));
        ins.bind(2, d);
        ins.exec();
        ins.reset();
    }
}

bool use_recovery_code(SQLite::Database& db, std::int64_t user_id, const std::string& digest,
                       core::UnixTime at) {
    SQLite::Statement q(db,
                        "UPDATE recovery_codes SET used_at = ? WHERE id = (SELECT id FROM "
                        "recovery_codes WHERE user_id = ? AND digest = ? AND used_at IS NULL "
                        "LIMIT 1)");
    q.bind(1, static_cast<int64_t>(at));
    q.bind(2, static_cast<int64_t>(user_id));
    q.bind(3, digest);
    return q.exec() > 0;
}

int count_recovery_codes(SQLite::Database& db, std::int64_t user_id) {
    SQLite::Statement q(
        db, "SELECT count(*) FROM recovery_codes WHERE user_id = ? AND used_at IS NULL");
    q.bind(1, static_cast<int64_t>(user_id));
    q.executeStep();
    return q.getColumn(0).getInt();
}

void add_webauthn_key(SQLite::Database& db, core::WebAuthnKey& key) {
    SQLite::Statement q(db,
                        "INSERT INTO webauthn_keys (user_id, name, credential_id, public_key, "
                        "algorithm, sign_count, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)");
    q.bind(1, static_cast<int64_t>(key.user_id));
    q.bind(2, key.name);
    bind_blob(q, 3, key.credential_id);
    bind_blob(q, 4, key.public_key_der);
    q.bind(5, key.algorithm);
    q.bind(6, static_cast<int64_t>(key.sign_count));
    q.bind(7, static_cast<int64_t>(key.created_at));
    q.exec();
    key.id = db.getLastInsertRowid();
}

std::vector<core::WebAuthnKey> list_webauthn_keys(SQLite::Database& db, std::int64_t user_id) {
    SQLite::Statement q(
        db,
        "SELECT id, name, credential_id, public_key, algorithm, sign_count, "
        "created_at, last_used_at FROM webauthn_keys WHERE user_id = ? ORDER BY id");
    q.bind(1, static_cast<int64_t>(user_id));
    std::vector<core::WebAuthnKey> out;
    while (q.executeStep()) {
        core::WebAuthnKey k;
        k.id = q.getColumn(0).getInt64();
        k.user_id = user_id;
        k.name = q.getColumn(1).getString();
        k.credential_id = blob_of(q.getColumn(2));
        k.public_key_der = blob_of(q.getColumn(3));
        k.algorithm = q.getColumn(4).getInt();
        k.sign_count = static_cast<std::uint32_t>(q.getColumn(5).getInt64());
        k.created_at = q.getColumn(6).getInt64();
        k.last_used_at = opt_int(q.getColumn(7));
        out.push_back(std::move(k));
    }
    return out;
}

bool use_webauthn_key(SQLite::Database& db, std::int64_t id, std::uint32_t sign_count,
                      core::UnixTime at) {
    SQLite::Statement q(db,
                        "UPDATE webauthn_keys SET sign_count = ?1, last_used_at = ?2 WHERE id = ?3 "
                        "AND (sign_count < ?1 OR (sign_count = 0 AND ?1 = 0))");
    q.bind(1, static_cast<int64_t>(sign_count));
    q.bind(2, static_cast<int64_t>(at));
    q.bind(3, static_cast<int64_t>(id));
    return q.exec() > 0;
}

bool delete_webauthn_key(SQLite::Database& db, std::int64_t user_id, std::int64_t id) {
    return run(db, "DELETE FROM webauthn_keys WHERE user_id = ? AND id = ?", user_id, id) > 0;
}

void reset(SQLite::Database& db, std::int64_t user_id) {
    for (const char* table : {"totp", "recovery_codes", "webauthn_keys"}) {
        SQLite::Statement q(db, std::string("DELETE FROM ") + table + " WHERE user_id = ?");
        q.bind(1, static_cast<int64_t>(user_id));
        q.exec();
    }
}

}  // namespace drawbridge::store::sqlite_second_factor
