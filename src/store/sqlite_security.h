// The SQLite statements of login security (user lockout counts, address scores, bans, the safe
// and block lists), kept apart from sqlite_store.cpp. SqliteStore calls these under its lock
// and turns SQLite's exceptions into the store's.
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>

#include <optional>
#include <string>
#include <vector>

#include "core/ip_ban.h"

namespace drawbridge::store::sqlite_security {

void add_login_failure(SQLite::Database& db, std::int64_t user_id, const std::string& ip,
                       core::UnixTime at);
int count_login_failures(SQLite::Database& db, std::int64_t user_id, core::UnixTime since,
                         const std::string& ip);
void clear_login_failures(SQLite::Database& db, std::int64_t user_id, const std::string& ip);
void lock_user_from(SQLite::Database& db, std::int64_t user_id, const std::string& ip,
                    core::UnixTime until);
std::optional<core::UnixTime> user_locked_from(SQLite::Database& db, std::int64_t user_id,
                                               const std::string& ip, core::UnixTime now);
void clear_user_address_locks(SQLite::Database& db, std::int64_t user_id);

int add_ip_score(SQLite::Database& db, const std::string& ip, int points, core::UnixTime now,
                 core::UnixTime window);
void clear_ip_score(SQLite::Database& db, const std::string& ip);

std::optional<core::IpBan> find_ip_ban(SQLite::Database& db, const std::string& ip);
void save_ip_ban(SQLite::Database& db, core::IpBan& ban);
std::vector<core::IpBan> list_ip_bans(SQLite::Database& db,
                                      std::optional<core::UnixTime> active_at);
bool delete_ip_ban(SQLite::Database& db, const std::string& ip);
int count_ban_refusal(SQLite::Database& db, std::int64_t ban_id);

void add_ip_list_entry(SQLite::Database& db, core::IpListEntry& entry);
std::vector<core::IpListEntry> list_ip_list(SQLite::Database& db,
                                            std::optional<core::IpListKind> list);
bool delete_ip_list_entry(SQLite::Database& db, core::IpListKind list, const std::string& cidr);
int count_list_refusal(SQLite::Database& db, std::int64_t entry_id);

}  // namespace drawbridge::store::sqlite_security
