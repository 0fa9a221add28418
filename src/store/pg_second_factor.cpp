// The PostgreSQL store's second factors: sqlite_second_factor.cpp's statements. Secrets and
// keys are bytea, sent in binary.
#include "store/pg_store_impl.h"

namespace drawbridge::store::pg {

std::optional<core::TotpEnrolment> PgStore::find_totp(std::int64_t user_id) {
    const auto r = run(
        "SELECT secret, confirmed, last_step, created_at FROM totp WHERE user_id = $1", {user_id});
    if (r.rows() == 0) return std::nullopt;
    core::TotpEnrolment e;
    e.user_id = user_id;
    e.secret = r.bytes(0, 0);
    e.confirmed = r.i64(0, 1);
    e.last_step = r.i64(0, 2);
    e.created_at = r.i64(0, 3);
    return e;
}

// Replaces an unconfirmed secret only: the conflict clause leaves a confirmed one alone.
void PgStore::begin_totp(const core::TotpEnrolment& e) {
    const auto r =
        run("INSERT INTO totp AS t (user_id, secret, confirmed, last_step, created_at) "
            "VALUES ($1, $2, 0, 0, $3) ON CONFLICT (user_id) DO UPDATE SET "
            "secret = excluded.secret, last_step = 0, created_at = excluded.created_at "
            "WHERE t.confirmed = 0",
            {e.user_id, Param::bytes(e.secret), e.created_at});
    if (r.affected() == 0)
        throw Conflict("the user has an authenticator app already: turn it off first");
}

bool PgStore::confirm_totp(std::int64_t user_id, std::int64_t step) {
    return run("UPDATE totp SET confirmed = 1, last_step = $2 WHERE user_id = $1 AND "
               "confirmed = 0",
               {user_id, step})
               .affected() > 0;
}

// One statement decides: of two nodes given the same code at once, the second finds the row
// changed (PostgreSQL checks the condition again on the new row) and does not match.
bool PgStore::claim_totp_step(std::int64_t user_id, std::int64_t step) {
    return run("UPDATE totp SET last_step = $2 WHERE user_id = $1 AND confirmed = 1 AND "
               "last_step < $2",
               {user_id, step})
               .affected() > 0;
}

bool PgStore::delete_totp(std::int64_t user_id) {
    return run("DELETE FROM totp WHERE user_id = $1", {user_id}).affected() > 0;
}

void PgStore::replace_recovery_codes(std::int64_t user_id,
                                     const std::vector<std::string>& digests) {
    transaction([&] {
        run("DELETE FROM recovery_codes WHERE user_id = $1", {user_id});
        for (const auto& d : digests)
            run("INSERT INTO recovery_codes (user_id, digest) VALUES ($1, $2)", {user_id, d});
    });
}

// used_at IS NULL in the outer condition too: it is what PostgreSQL checks again when another
// node used the code in between.
bool PgStore::use_recovery_code(std::int64_t user_id, const std::string& digest,
                                core::UnixTime at) {
    return run("UPDATE recovery_codes SET used_at = $1 WHERE id = (SELECT id FROM "
               "recovery_codes WHERE user_id = $2 AND digest = $3 AND used_at IS NULL LIMIT 1) "
               "AND used_at IS NULL",
               {at, user_id, digest})
               .affected() > 0;
}

int PgStore::count_recovery_codes(std::int64_t user_id) {
    return run("SELECT count(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL",
               {user_id})
        .i32(0, 0);
}

void PgStore::add_webauthn_key(core::WebAuthnKey& key) {
    key.id =
        run_or_conflict(
            "INSERT INTO webauthn_keys (user_id, name, credential_id, public_key, "
            "algorithm, sign_count, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) "
            "RETURNING id",
            {key.user_id, key.name, Param::bytes(key.credential_id),
             Param::bytes(key.public_key_der), key.algorithm,
             static_cast<std::int64_t>(key.sign_count), key.created_at},
            [](std::string_view) { return std::string("this security key is registered already"); })
            .i64(0, 0);
}

std::vector<core::WebAuthnKey> PgStore::list_webauthn_keys(std::int64_t user_id) {
    const auto r =
        run("SELECT id, name, credential_id, public_key, algorithm, sign_count, created_at, "
            "last_used_at FROM webauthn_keys WHERE user_id = $1 ORDER BY id",
            {user_id});
    std::vector<core::WebAuthnKey> out;
    for (int i = 0; i < r.rows(); ++i) {
        core::WebAuthnKey k;
        k.id = r.i64(i, 0);
        k.user_id = user_id;
        k.name = r.text(i, 1);
        k.credential_id = r.bytes(i, 2);
        k.public_key_der = r.bytes(i, 3);
        k.algorithm = r.i32(i, 4);
        k.sign_count = static_cast<std::uint32_t>(r.i64(i, 5));
        k.created_at = r.i64(i, 6);
        k.last_used_at = r.opt(i, 7);
        out.push_back(std::move(k));
    }
    return out;
}

bool PgStore::use_webauthn_key(std::int64_t id, std::uint32_t sign_count, core::UnixTime at) {
    return run("UPDATE webauthn_keys SET sign_count = $1, last_used_at = $2 WHERE id = $3 "
               "AND (sign_count < $1 OR (sign_count = 0 AND $1 = 0))",
               {static_cast<std::int64_t>(sign_count), at, id})
               .affected() > 0;
}

bool PgStore::delete_webauthn_key(std::int64_t user_id, std::int64_t id) {
    return run("DELETE FROM webauthn_keys WHERE user_id = $1 AND id = $2", {user_id, id})
               .affected() > 0;
}

void PgStore::reset_second_factors(std::int64_t user_id) {
    transaction([&] {
        for (const char* table : {"totp", "recovery_codes", "webauthn_keys"})
            run(std::string("DELETE FROM ") + table + " WHERE user_id = $1", {user_id});
    });
}

}  // namespace drawbridge::store::pg
