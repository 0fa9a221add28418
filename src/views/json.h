// JSON views of the value types, with Files.com's field names, for the CLI's `--json` and the
// REST API: one definition, so that both show a user the same way.
#pragma once

#include <nlohmann/json.hpp>

#include "auth/login_gate.h"
#include "core/action_log.h"
#include "core/folder_permission.h"
#include "core/mail.h"
#include "core/node_record.h"
#include "core/site_settings.h"
#include "core/user.h"

namespace drawbridge::views {

nlohmann::json to_json(const core::User& u, const core::SiteSettings& site, core::UnixTime now);
nlohmann::json to_json(const core::ApiKey& k);
nlohmann::json to_json(const core::SshKey& k);
nlohmann::json to_json(const core::FolderPermission& p);
nlohmann::json to_json(const core::ActionLogEntry& e);
nlohmann::json to_json(const core::SiteSettings& s);
// Every site setting, in its group, with its kind, default and range or choices (GET /site/schema).
nlohmann::json site_schema_json();
nlohmann::json to_json(const auth::Explanation& e);
nlohmann::json to_json(const core::IpBan& b);
nlohmann::json to_json(const core::IpListEntry& e);
// A node of the registry, with its status at `now` (up, stopped, missing).
nlohmann::json to_json(const core::NodeRecord& n, core::UnixTime now);
nlohmann::json nodes_json(const std::vector<core::NodeRecord>& nodes, core::UnixTime now);
// An outbox row without its bodies: they hold the links' tokens (docs/mail.md#outbox).
nlohmann::json to_json(const core::OutboxMail& m);

}  // namespace drawbridge::views
