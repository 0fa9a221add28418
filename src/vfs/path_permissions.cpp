#include "vfs/path_permissions.h"

#include <set>

#include "vfs/local_root.h"

namespace drawbridge::vfs {
namespace {

// The part of `path` below `folder` ("" for the folder itself, "/x/y" below it), or nullopt
// when `path` is not in `folder`'s subtree. Both are normalised.
std::optional<std::string> below(const std::string& path, const std::string& folder) {
    if (path == folder) return std::string();
    if (folder == "/") return path;
    if (path.size() > folder.size() && path.compare(0, folder.size(), folder) == 0 &&
        path[folder.size()] == '/')
        return path.substr(folder.size());
    return std::nullopt;
}

std::string join(const std::string& folder, const std::string& suffix) {
    return folder == "/" ? (suffix.empty() ? "/" : suffix) : folder + suffix;
}

}  // namespace

PathPermissions::PathPermissions(const std::vector<core::FolderPermission>& rules) {
    for (const auto& r : rules) set(r.path, r.permissions);
}

void PathPermissions::set(std::string_view path, PermissionSet granted) {
    rules_[normalize(path)] = granted;
}

PermissionSet PathPermissions::effective(std::string_view path) const {
    if (rules_.empty()) return PermissionSet::all();
    std::string p = normalize(path);
    for (;;) {
        if (const auto it = rules_.find(p); it != rules_.end()) return it->second;
        if (p == "/") return PermissionSet::all();
        const auto slash = p.rfind('/');
        p.resize(slash == 0 ? 1 : slash);
    }
}

bool PathPermissions::alias_allowed(std::string_view target_path,
                                    std::string_view alias_path) const {
    if (rules_.empty()) return true;
    const std::string target = normalize(target_path), alias = normalize(alias_path);
    // effective() is constant between rule paths, so comparing the two roots and every point
    // where a rule starts in either subtree covers the whole of both.
    std::set<std::string> suffixes = {""};
    for (const auto& [path, granted] : rules_) {
        if (auto s = below(path, target)) suffixes.insert(*s);
        if (auto s = below(path, alias)) suffixes.insert(*s);
    }
    for (const auto& s : suffixes)
        if (!effective(join(target, s)).includes(effective(join(alias, s)))) return false;
    return true;
}

}  // namespace drawbridge::vfs
