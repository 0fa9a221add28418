// The SQLite statements of REST sessions (docs/rest-api.md#sessions), kept apart from
// sqlite_store.cpp. SqliteStore calls these under its lock and turns SQLite's exceptions into
// the store's. Rows are found by the token's SHA-256; the token is never stored.
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/login.h"

namespace drawbridge::store::sqlite_sessions {

void create(SQLite::Database& db, core::StoredSession& s);
// Every REST request looks its session up: the statement is prepared once (prepare_find) and
// kept by the caller; find leaves it reset, so that it holds no read snapshot open.
SQLite::Statement prepare_find(SQLite::Database& db);
std::optional<core::StoredSession> find(SQLite::Statement& q, const std::string& token_digest);
void touch(SQLite::Database& db, std::int64_t id, core::UnixTime at);
bool end_two_factor_setup(SQLite::Database& db, const std::string& token_digest);
bool remove(SQLite::Database& db, const std::string& token_digest);
int remove_ended(SQLite::Database& db, core::UnixTime now, core::UnixTime unused_since);
int count_of_user(SQLite::Database& db, std::int64_t user_id);
// Sessions still live at `now` (Store::count_live_sessions), per interface.
std::vector<std::pair<core::Interface, int>> count_live(SQLite::Database& db, core::UnixTime now,
                                                        core::UnixTime unused_since);

// Revocations, run by the user and lock writes before they write (same transaction):
// what `user` changes compared with the stored row of user.id ends the sessions resting on
// it: a new password hash those that logged in with a password, a disable or a new lock
// (lockout_expires set to another time) every one.
void revoke_for_update(SQLite::Database& db, const core::User& user);
// A lock of the user from one address (offender key) ends its sessions from there.
void revoke_from_address(SQLite::Database& db, std::int64_t user_id,
                         const std::string& address_key);

}  // namespace drawbridge::store::sqlite_sessions
