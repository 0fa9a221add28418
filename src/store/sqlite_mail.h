// The SQLite statements of mail (docs/mail.md): the outbox, link tokens, reminders sent and
// job claims, kept apart from sqlite_store.cpp. SqliteStore calls these under its lock and
// turns SQLite's exceptions into the store's.
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>

#include <optional>
#include <string>
#include <vector>

#include "core/mail.h"

namespace drawbridge::store::sqlite_mail {

void enqueue(SQLite::Database& db, core::OutboxMail& mail);
std::optional<core::OutboxMail> claim_due(SQLite::Database& db, core::UnixTime now,
                                          core::UnixTime lease_until);
void finish(SQLite::Database& db, const core::OutboxMail& mail);
std::vector<core::OutboxMail> list(SQLite::Database& db, std::optional<core::MailState> state,
                                   int limit, std::optional<std::int64_t> before_id);
int count_recent(SQLite::Database& db, std::string_view kind, std::string_view recipient,
                 std::optional<std::int64_t> user_id, core::UnixTime since);

void create_token(SQLite::Database& db, core::MailToken& token);
std::optional<core::MailToken> find_token(SQLite::Database& db, const std::string& digest);
bool use_token(SQLite::Database& db, std::int64_t id, core::UnixTime at);

bool record_reminder(SQLite::Database& db, std::int64_t user_id, int threshold_days,
                     core::UnixTime password_set_at, core::UnixTime at);
bool claim_job(SQLite::Database& db, const std::string& name, const std::string& holder,
               core::UnixTime now, core::UnixTime until);

std::optional<core::MailTemplateText> find_template(SQLite::Database& db, const std::string& kind);
void save_template(SQLite::Database& db, const core::MailTemplateText& t);
bool delete_template(SQLite::Database& db, const std::string& kind);

}  // namespace drawbridge::store::sqlite_mail
