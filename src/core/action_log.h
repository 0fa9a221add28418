// Entries of the action log and the query over them (Files.com field names, docs/rest-api.md).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/failure_reason.h"
#include "core/types.h"

namespace drawbridge::core {

// Every `action` the server records: Files.com's names, then ours. A search for any other
// name is refused, so that a typo ("failed_login") is an error rather than an empty answer.
inline constexpr std::array<std::string_view, 28> kActions = {
    "login",
    "failedlogin",
    "create",
    "read",
    "update",
    "destroy",
    "move",
    "copy",
    "user_create",
    "user_update",
    "user_destroy",
    "api_key_create",
    "api_key_destroy",
    "ssh_key_create",
    "ssh_key_destroy",
    "site_update",
    "mkdir",
    "rmdir",
    "list",
    "permission_create",
    "permission_destroy",
    "ip_ban_lift",
    "ip_list_add",
    "ip_list_remove",
    "mail_queue",
    "password_reset_request",
    "password_reset",
    "mail_test",
};
inline bool is_known_action(std::string_view action) {
    for (const auto a : kActions)
        if (a == action) return true;
    return false;
}
// "login, failedlogin, ..." for error messages.
std::string known_actions_text();

struct ActionLogEntry {
    std::int64_t id = 0;
    UnixTime created_at = 0;
    std::optional<std::int64_t> user_id;
    std::string username;  // as typed
    std::string ip;
    Interface interface = Interface::cli;
    std::string
        action;  // login, failedlogin, create, read, update, destroy, move, copy, user_create, ...
    FailureReason failure_type = FailureReason::none;
    std::string detail;
    std::string path;
    std::string destination;
    std::optional<std::int64_t> bytes;
    std::optional<std::int64_t> duration_ms;
};

struct ActionLogQuery {
    std::optional<std::string> action;
    std::optional<FailureReason> failure_type;
    std::optional<std::string> username;  // case-insensitive exact match
    std::optional<Interface> interface;
    std::optional<std::string> ip;
    std::optional<UnixTime> since;       // inclusive
    std::optional<UnixTime> until;       // exclusive
    std::optional<std::int64_t> cursor;  // return entries with id < cursor (newest first)
    int limit = 100;                     // 1-1000
};

struct ActionLogPage {
    std::vector<ActionLogEntry> entries;      // newest first
    std::optional<std::int64_t> next_cursor;  // set when more entries may follow
};

// Logins and refused logins counted per bucket of time (docs/action-log.md#login-counts): the
// store keeps them per hour as the entries are written, so a dashboard's chart reads a few rows
// per hour whatever the log's size.
struct LoginCount {
    UnixTime start = 0;  // the bucket's first second (UTC)
    std::string action;  // login or failedlogin
    FailureReason failure_type = FailureReason::none;
    Interface interface = Interface::cli;
    std::int64_t count = 0;
};

inline constexpr UnixTime kLoginCountHour = 3600;

}  // namespace drawbridge::core
