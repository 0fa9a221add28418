// Where each user's root folder is on this node, and what a `user_root` may name
// (docs/user-roots.md). Accounts checks a root when an administrator sets it; every protocol asks
// root_of() when a session starts, which checks it again under this node's configuration.
//
// A root belongs to its account: the default root is named by the user's id, not its name, so a
// rename keeps the files and a later user of the same name starts empty; a deleted user's
// default root is moved aside under .deleted/, where no root can point.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/types.h"
#include "core/user.h"

namespace drawbridge::auth {

// A root this node will not serve; the message says why and is safe to show an administrator.
struct RootRefused : std::runtime_error {
    using std::runtime_error::runtime_error;
};

class UserRoots {
  public:
    // The folder under the files tree that holds default roots (users/<id>), and the one that
    // holds deleted users' roots. A user_root may not point into either.
    static constexpr std::string_view kDefaultRoots = "users";
    static constexpr std::string_view kDeleted = ".deleted";

    // `data_dir` holds the node's database and keys, `files_dir` its files tree; a user_root
    // outside the files tree must lie under one of `allowed_prefixes` (absolute folders, node
    // configuration files.allowed_root_prefixes).
    UserRoots(std::filesystem::path data_dir, std::filesystem::path files_dir,
              std::vector<std::filesystem::path> allowed_prefixes);

    // Checks a user_root as an administrator gives it: returns the text to store (normalised;
    // empty for the default root). Throws RootRefused naming the rule it breaks.
    std::string check(std::string_view user_root) const;

    // The folder a session of `user` opens: its user_root checked again (the configuration may
    // have changed since it was set), or its default root. Throws RootRefused.
    std::filesystem::path root_of(const core::User& user) const;

    std::filesystem::path default_root(std::int64_t user_id) const;

    // Moves the default root of user `id` (if it exists) to .deleted/<id>-<label>-<time>, a name
    // no root can take, and returns where it went (relative to the files tree). Throws
    // std::system_error when it cannot be moved.
    std::optional<std::filesystem::path> keep_aside(std::int64_t id, std::string_view label,
                                                    core::UnixTime now) const;
    // Undoes keep_aside (when the deletion that caused it did not complete).
    void put_back(const std::filesystem::path& kept, std::int64_t id) const;

    // Earlier versions kept default roots at <files>/<username>: moves each such folder to its
    // user's id-named root (when that does not exist yet). Returns how many were moved.
    int adopt_named_roots(const std::vector<core::User>& users) const;

    const std::filesystem::path& files_dir() const { return files_dir_; }

  private:
    // The real location of `root` (symlinks resolved as far as it exists), checked against the
    // rules; throws RootRefused.
    void check_location(const std::filesystem::path& root, std::string_view shown) const;

    std::filesystem::path data_dir_;
    std::filesystem::path files_dir_;
    std::vector<std::filesystem::path> allowed_prefixes_;
};

}  // namespace drawbridge::auth
