// One running node: its configuration, store, action log, login gate and account service,
// wired once and shared by the CLI and every listener.
#pragma once

#include <memory>

#include "app/config.h"
#include "audit/action_log.h"
#include "auth/accounts.h"
#include "auth/login_gate.h"
#include "core/clock.h"
#include "store/store.h"
#include "vfs/file_session.h"

namespace drawbridge::app {

struct Node {
    NodeConfig config;
    core::SystemClock clock;
    std::unique_ptr<store::Store> store;
    std::unique_ptr<audit::ActionLog> log;
    std::unique_ptr<auth::LoginGate> gate;
    std::unique_ptr<auth::Accounts> accounts;
};

// The rules a file session of `user` runs under: the user's folder permissions and the site's
// atomic_uploads, read now (so that a change applies to the sessions that start after it).
vfs::FileRules file_rules_for(Node& node, const core::User& user);

// Opens a logged-in user's files for every listener: the user's root on the local disk
// (user_root, or <files_dir>/<username>) under file_rules_for().
vfs::FileSessionOpener file_session_opener(Node& node);

// Creates the data directory (mode 0700) and its files folder, opens and migrates the database.
std::unique_ptr<Node> open_node(const NodeConfig& config);

}  // namespace drawbridge::app
