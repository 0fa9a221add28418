// The SQLite statements of second factors (docs/two-factor.md): TOTP secrets with their replay
// record, recovery codes and security keys. SqliteStore calls these under its lock.
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>

#include <optional>
#include <string>
#include <vector>

#include "core/second_factor.h"

namespace drawbridge::store::sqlite_second_factor {

std::optional<core::TotpEnrolment> find_totp(SQLite::Database& db, std::int64_t user_id);
// false when a confirmed secret is in the way.
bool begin_totp(SQLite::Database& db, const core::TotpEnrolment& e);
bool confirm_totp(SQLite::Database& db, std::int64_t user_id, std::int64_t step);
bool claim_totp_step(SQLite::Database& db, std::int64_t user_id, std::int64_t step);
bool delete_totp(SQLite::Database& db, std::int64_t user_id);

void replace_recovery_codes(SQLite::Database& db, std::int64_t user_id,
                            const std::vector<std::string>& digests);
bool use_recovery_code(SQLite::Database& db, std::int64_t user_id, const std::string& digest,
                       core::UnixTime at);
int count_recovery_codes(SQLite::Database& db, std::int64_t user_id);

void add_webauthn_key(SQLite::Database& db, core::WebAuthnKey& key);
std::vector<core::WebAuthnKey> list_webauthn_keys(SQLite::Database& db, std::int64_t user_id);
bool use_webauthn_key(SQLite::Database& db, std::int64_t id, std::uint32_t sign_count,
                      core::UnixTime at);
bool delete_webauthn_key(SQLite::Database& db, std::int64_t user_id, std::int64_t id);

void reset(SQLite::Database& db, std::int64_t user_id);

}  // namespace drawbridge::store::sqlite_second_factor
