// One running node: its configuration, store, action log, login gate and account service,
// wired once and shared by the CLI and every listener.
#pragma once

#include <memory>

#include "app/config.h"
#include "audit/action_log.h"
#include "auth/accounts.h"
#include "auth/login_gate.h"
#include "auth/second_factors.h"
#include "core/clock.h"
#include "mail/flows.h"
#include "mail/outbox.h"
#include "store/store.h"
#include "vfs/file_session.h"

namespace drawbridge::app {

struct Node {
    NodeConfig config;
    core::SystemClock clock;
    std::unique_ptr<store::Store> store;
    std::unique_ptr<audit::ActionLog> log;
    std::unique_ptr<auth::LoginGate> gate;
    std::shared_ptr<const auth::UserRoots> roots;  // shared with the listeners
    std::unique_ptr<auth::Accounts> accounts;
    std::unique_ptr<auth::SecondFactors> second_factors;  // docs/two-factor.md
    std::unique_ptr<mail::Outbox> outbox;
    std::unique_ptr<mail::Flows> mail;  // welcome, recovery, reminders (docs/mail.md)
};

// There is no site where the configuration points: no database at `database`.
struct NoSiteError : std::runtime_error {
    NoSiteError(std::filesystem::path data_dir, std::filesystem::path database);
    std::filesystem::path data_dir;
    std::filesystem::path database;
};

// The rules a file session of `user` runs under: the user's folder permissions and the site's
// atomic_uploads, read now (so that a change applies to the sessions that start after it).
vfs::FileRules file_rules_for(Node& node, const core::User& user);

// Opens a logged-in user's files for every listener: the user's root on the local disk
// (auth::UserRoots::root_of, checked again at each session start) under file_rules_for().
vfs::FileSessionOpener file_session_opener(Node& node);

// Opens and migrates the site's database. With `create_site` (serve, init) it first creates the
// data directory (mode 0700), its files folder and the database when they are missing; without,
// a missing database is a NoSiteError and nothing is created.
std::unique_ptr<Node> open_node(const NodeConfig& config, bool create_site);

}  // namespace drawbridge::app
