// One logged-in connection's view of its files: the user's jailed root, and the audit of every
// file operation. Every protocol goes through it, so that no protocol re-implements a file rule.
#pragma once

#include <cerrno>
#include <chrono>
#include <string>

#include "audit/action_log.h"
#include "core/user.h"
#include "vfs/local_root.h"
#include "vfs/path_permissions.h"

namespace drawbridge::vfs {

// What the creator of a session decides from the user and the site: the user's folder
// permissions, and whether uploads go through a temporary file (site setting atomic_uploads).
struct FileRules {
    PathPermissions permissions;  // default: everything allowed
    bool atomic_uploads = true;
};

class FileSession {
  public:
    FileSession(LocalRoot root, audit::ActionLog& log, core::User user, core::Interface interface,
                std::string ip, FileRules rules = {})
        : root_(std::move(root)),
          log_(log),
          user_(std::move(user)),
          interface_(interface),
          ip_(std::move(ip)),
          rules_(std::move(rules)) {}

    const LocalRoot& root() const { return root_; }
    const core::User& user() const { return user_; }
    const FileRules& rules() const { return rules_; }
    bool atomic_uploads() const { return rules_.atomic_uploads; }

    // The one permission check of every protocol: 0 when the user's folder permissions allow
    // `op` at the virtual path `path`, EACCES otherwise. Protocols call it before acting:
    //   list   - reading a folder's entries (stat and realpath stay allowed);
    //   read   - opening a file for reading;
    //   write  - creating, writing or appending a file, setstat, mkdir, the destination of a
    //            rename, link or copy;
    //   remove - deleting a file or folder, the source of a rename.
    int check(Permission op, std::string_view path) const {
        return rules_.permissions.allows(op, path) ? 0 : EACCES;
    }
    // For a symlink or hard link `alias` -> `target`: write at the alias, and nothing reachable
    // through the alias that the rules refuse at the target.
    int check_alias(std::string_view target, std::string_view alias) const {
        if (const int e = check(Permission::write, alias)) return e;
        return rules_.permissions.alias_allowed(target, alias) ? 0 : EACCES;
    }
    // A rename deletes the source name and writes the destination name; like a link, it must
    // not make reachable under the new name what the rules refuse under the old one (a file
    // moved out of a write-only drop box into a readable folder).
    int check_move(std::string_view from, std::string_view to) const {
        if (const int e = check(Permission::remove, from)) return e;
        return check_alias(from, to);
    }

    // Files.com actions: create (upload), read (download), destroy, move, copy, and ours
    // mkdir / rmdir. `failure` is set when the operation failed, with its reason.
    void record(std::string_view action, std::string_view path, std::string_view destination = {},
                std::optional<std::int64_t> bytes = {},
                std::optional<std::chrono::milliseconds> duration = {}, int error = 0);

  private:
    LocalRoot root_;
    audit::ActionLog& log_;
    core::User user_;
    core::Interface interface_;
    std::string ip_;
    FileRules rules_;
};

}  // namespace drawbridge::vfs
