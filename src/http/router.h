// What the HTTP server serves: the per-connection Handler that authenticates requests through
// LoginGate and dispatches them by path (/dav/ to WebDAV, /api/v1 to the REST API).
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "audit/action_log.h"
#include "auth/accounts.h"
#include "auth/login_gate.h"
#include "auth/second_factors.h"
#include "http/api_sessions.h"
#include "http/dav_locks.h"
#include "http/message.h"
#include "http/partial_logins.h"
#include "mail/flows.h"
#include "vfs/file_session.h"

namespace drawbridge::http {

// Shared by every connection of one server.
struct Services {
    auth::LoginGate& gate;
    audit::ActionLog& log;
    store::Store& store;
    auth::Accounts& accounts;
    auth::SecondFactors& second_factors;  // docs/two-factor.md
    mail::Flows& mail;                    // welcome, recovery links, test mail (docs/mail.md)
    vfs::FileSessionOpener open_files;    // a logged-in user's files
    LockManager locks = {};
    ApiSessions sessions{store};           // REST sessions, kept in the store
    PartialLogins partial_logins = {};     // sign-ins waiting for their second factor
    PartialLogins key_registrations = {};  // security keys waiting for their answer
};

// The URL space. Users' files are served only under kDavPrefix ("/dav/") and the REST API's
// /api/v1/files/ (user_content.h says how). Everything else is the server's own: "/" and the
// coming web UI's pages and assets (reserved: "/ui/", "/assets/"), so that no user's file can
// ever stand in for one of them on this origin.
inline constexpr std::string_view kDavPrefix = "/dav";
inline constexpr std::string_view kRealm = "drawbridge";

std::unique_ptr<Handler> make_router(Services& services, const std::string& peer_ip);

}  // namespace drawbridge::http
