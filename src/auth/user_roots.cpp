#include "auth/user_roots.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <deque>
#include <system_error>

namespace drawbridge::auth {
namespace fs = std::filesystem;

namespace {

// `p` lexically normal, without a trailing separator ("a/b/" would compare unlike "a/b").
fs::path tidy(const fs::path& p) {
    fs::path n = p.lexically_normal();
    if (!n.has_filename() && n.has_relative_path()) n = n.parent_path();
    return n;
}

// The real location of `p`, every symlink on the way resolved, dangling ones too (unlike
// weakly_canonical): a link to a folder that does not exist yet must not pass for what it names.
fs::path real(const fs::path& p) {
    const fs::path abs = fs::absolute(p);
    const fs::path parts = abs.relative_path();
    std::deque<fs::path> todo(parts.begin(), parts.end());
    fs::path out = abs.root_path();
    int links = 0;
    while (!todo.empty()) {
        const fs::path part = todo.front();
        todo.pop_front();
        if (part.empty() || part == ".") continue;
        if (part == "..") {
            out = out.parent_path();
            continue;
        }
        const fs::path next = out / part;
        std::error_code ec;
        // Past 40 links (as the kernel's ELOOP) the rest is taken as it reads; opening fails.
        if (links < 40 && fs::is_symlink(fs::symlink_status(next, ec))) {
            const fs::path target = fs::read_symlink(next, ec);
            if (!ec) {
                ++links;
                if (target.is_absolute()) out = target.root_path();
                const fs::path rest = target.relative_path();
                todo.insert(todo.begin(), rest.begin(), rest.end());
                continue;
            }
        }
        out = next;
    }
    return tidy(out);
}

// True when `p` is `base` or below it, comparing whole components ("/srv/a" is not in "/srv/ab").
bool within(const fs::path& p, const fs::path& base) {
    auto [b, pi] = std::mismatch(base.begin(), base.end(), p.begin(), p.end());
    return b == base.end();
}

bool has_dot_dot(const fs::path& p) {
    return std::any_of(p.begin(), p.end(), [](const fs::path& c) { return c == ".."; });
}

}  // namespace

UserRoots::UserRoots(fs::path data_dir, fs::path files_dir, std::vector<fs::path> allowed_prefixes)
    : data_dir_(std::move(data_dir)),
      files_dir_(std::move(files_dir)),
      allowed_prefixes_(std::move(allowed_prefixes)) {}

fs::path UserRoots::default_root(std::int64_t user_id) const {
    return files_dir_ / kDefaultRoots / std::to_string(user_id);
}

std::string UserRoots::check(std::string_view text) const {
    if (text.empty()) return {};
    const std::string shown = "user_root '" + std::string(text) + "'";
    if (text.find('\0') != std::string_view::npos) throw RootRefused(shown + ": contains NUL");
    const fs::path given(text);
    // Refused outright, even where it would stay inside: a root reads the same on every node.
    if (has_dot_dot(given)) throw RootRefused(shown + ": must not contain '..'");
    const fs::path n = tidy(given);
    if (n.is_relative()) {
        if (n.empty() || n == ".")
            throw RootRefused(shown +
                              ": names the files folder itself, which holds every user's files; "
                              "give a folder below it");
        const fs::path first = *n.begin();
        if (first == kDefaultRoots || first == kDeleted)
            throw RootRefused(shown + ": " + std::string(kDefaultRoots) + "/ and " +
                              std::string(kDeleted) +
                              "/ of the files folder hold the default and the deleted users' "
                              "roots; choose another folder");
        check_location(files_dir_ / n, shown);
    } else {
        check_location(n, shown);
    }
    return n.generic_string();
}

void UserRoots::check_location(const fs::path& root, std::string_view shown) const {
    const fs::path where = real(root);
    const fs::path files = real(files_dir_);
    const fs::path data = real(data_dir_);
    const std::string s(shown);
    if (within(files, where) || within(data, where))
        throw RootRefused(s + " (" + where.string() + ") would hold the node's data directory " +
                          data.string() + " or every user's files");
    if (within(where, files)) {
        const fs::path first = *where.lexically_relative(files).begin();
        if (first == kDefaultRoots || first == kDeleted)
            throw RootRefused(s + " (" + where.string() + ") lies in " + std::string(first) +
                              "/ of the files folder, which holds the default and the deleted "
                              "users' roots; choose another folder");
        return;
    }
    if (within(where, data))
        throw RootRefused(s + " (" + where.string() + ") lies in the data directory " +
                          data.string() + ", where only the files folder holds user roots");
    for (const auto& prefix : allowed_prefixes_)
        if (within(where, real(prefix))) return;
    std::string allowed;
    for (const auto& prefix : allowed_prefixes_)
        allowed += (allowed.empty() ? "" : ", ") + prefix.string();
    throw RootRefused(s + " (" + where.string() + ") is outside the files folder " +
                      files.string() + " and under no prefix of files.allowed_root_prefixes (" +
                      (allowed.empty() ? "none configured" : allowed) +
                      "); give a folder relative to the files folder, or add a prefix to the node "
                      "configuration");
}

fs::path UserRoots::root_of(const core::User& user) const {
    if (user.user_root.empty()) return default_root(user.id);
    const fs::path n = check(user.user_root);
    return n.is_relative() ? files_dir_ / n : n;
}

std::optional<fs::path> UserRoots::keep_aside(std::int64_t id, std::string_view label,
                                              core::UnixTime now) const {
    const fs::path from = default_root(id);
    std::error_code ec;
    if (!fs::exists(fs::symlink_status(from, ec))) return std::nullopt;
    const fs::path deleted = files_dir_ / kDeleted;
    if (fs::create_directories(deleted, ec)) fs::permissions(deleted, fs::perms::owner_all, ec);
    if (ec) throw std::system_error(ec, "cannot create " + deleted.string());
    const std::string base = std::to_string(id) + "-" + std::string(label) + "-" +
                             core::format_utc(now, "%Y%m%dT%H%M%SZ");
    fs::path name = base;
    for (int n = 2; fs::exists(fs::symlink_status(deleted / name, ec)); ++n)
        name = base + "-" + std::to_string(n);
    // rename(2) within one file system: atomic, and open sessions keep their folder.
    fs::rename(from, deleted / name, ec);
    if (ec) throw std::system_error(ec, "cannot move " + from.string() + " aside");
    return fs::path(kDeleted) / name;
}

void UserRoots::put_back(const fs::path& kept, std::int64_t id) const {
    std::error_code ec;
    fs::rename(files_dir_ / kept, default_root(id), ec);
    if (ec)
        spdlog::error("cannot move {} back to {}: {}", (files_dir_ / kept).string(),
                      default_root(id).string(), ec.message());
}

int UserRoots::adopt_named_roots(const std::vector<core::User>& users) const {
    int moved = 0;
    for (const auto& u : users) {
        // A user named like the folder of default roots kept its files there: left to the admin.
        if (!u.user_root.empty() || u.username == kDefaultRoots) continue;
        const fs::path old_root = files_dir_ / u.username;
        const fs::path new_root = default_root(u.id);
        std::error_code ec;
        if (!fs::is_directory(fs::symlink_status(old_root, ec)) ||
            fs::exists(fs::symlink_status(new_root, ec)))
            continue;
        fs::create_directories(new_root.parent_path(), ec);
        fs::rename(old_root, new_root, ec);
        if (ec) {
            spdlog::warn("cannot move {}'s files from {} to {}: {}", u.username, old_root.string(),
                         new_root.string(), ec.message());
            continue;
        }
        spdlog::info("moved {}'s files from {} to {} (roots are named by user id)", u.username,
                     old_root.string(), new_root.string());
        ++moved;
    }
    return moved;
}

}  // namespace drawbridge::auth
