// A user's folder-permission rules, ready to answer "may this operation happen at this path?".
// Built once per session from the stored rules (the caller loads them: the vfs does not read
// the store), then asked inside every FileSession operation.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/folder_permission.h"

namespace drawbridge::vfs {

using core::Permission;
using core::PermissionSet;

class PathPermissions {
  public:
    PathPermissions() = default;  // no rules: everything allowed
    explicit PathPermissions(const std::vector<core::FolderPermission>& rules);

    // Adds (or replaces) the rule at `path` (a virtual path, normalised here).
    void set(std::string_view path, PermissionSet granted);

    // The deepest rule at `path` or one of its ancestors decides; none allows everything.
    PermissionSet effective(std::string_view path) const;
    bool allows(Permission op, std::string_view path) const { return effective(path).has(op); }

    // Whether making `alias` another name for `target` (a symlink or hard link) grants nothing
    // the rules refuse at `target`: at every point of the two subtrees, what the rules allow
    // through the alias must also be allowed at the target.
    bool alias_allowed(std::string_view target, std::string_view alias) const;

    bool empty() const { return rules_.empty(); }

  private:
    std::map<std::string, PermissionSet, std::less<>> rules_;  // normalised path -> grant
};

}  // namespace drawbridge::vfs
