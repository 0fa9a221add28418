#include "core/folder_permission.h"

namespace drawbridge::core {
namespace {

struct PermissionName {
    Permission permission;
    std::string_view name;
};

constexpr PermissionName kNames[] = {
    {Permission::list, "list"},
    {Permission::read, "read"},
    {Permission::write, "write"},
    {Permission::remove, "delete"},
};

std::string_view trim(std::string_view s) {
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
    return s;
}

}  // namespace

std::string_view to_string(Permission p) {
    for (const auto& n : kNames)
        if (n.permission == p) return n.name;
    return "?";
}

std::optional<Permission> parse_permission(std::string_view name) {
    for (const auto& n : kNames)
        if (n.name == name) return n.permission;
    return std::nullopt;
}

std::string to_string(PermissionSet s) {
    std::string out;
    for (const auto& n : kNames)
        if (s.has(n.permission)) out.append(out.empty() ? "" : ",").append(n.name);
    return out;
}

std::optional<PermissionSet> parse_permission_set(std::string_view text) {
    text = trim(text);
    if (text.empty() || text == "none") return PermissionSet::none();
    if (text == "all") return PermissionSet::all();
    PermissionSet out;
    while (true) {
        const auto comma = text.find(',');
        const auto name = trim(text.substr(0, comma));
        const auto p = parse_permission(name);
        if (!p) return std::nullopt;
        out = out.with(*p);
        if (comma == std::string_view::npos) return out;
        text.remove_prefix(comma + 1);
    }
}

std::optional<std::string> canonical_rule_path(std::string_view path) {
    if (path.empty() || path.front() != '/') return std::nullopt;
    std::string out;
    std::size_t i = 0;
    while (i <= path.size()) {
        const auto end = std::min(path.find('/', i), path.size());
        const auto part = path.substr(i, end - i);
        if (part == "..") return std::nullopt;
        if (!part.empty() && part != ".") out.append("/").append(part);
        i = end + 1;
    }
    return out.empty() ? "/" : out;
}

}  // namespace drawbridge::core
