// Per-path permissions of a user (as SFTPGo's per-directory permissions or Files.com's folder
// permissions): a rule names a folder (or file) of the user's virtual tree and the set of
// operations it grants there; everything else is denied. The deepest rule on a path's ancestors
// decides; with no rule at all, everything is allowed.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/types.h"

namespace drawbridge::core {

// One bit each, so that a rule's grant is a small set.
enum class Permission : std::uint8_t { list = 1, read = 2, write = 4, remove = 8 };
inline constexpr std::array kPermissions = {Permission::list, Permission::read, Permission::write,
                                            Permission::remove};

// A set of Permission bits.
class PermissionSet {
  public:
    constexpr PermissionSet() = default;
    static constexpr PermissionSet all() { return PermissionSet(0x0f); }
    static constexpr PermissionSet none() { return PermissionSet(0); }

    constexpr bool has(Permission p) const { return bits_ & static_cast<std::uint8_t>(p); }
    constexpr PermissionSet with(Permission p) const {
        return PermissionSet(bits_ | static_cast<std::uint8_t>(p));
    }
    constexpr bool includes(PermissionSet o) const { return (bits_ & o.bits_) == o.bits_; }
    constexpr bool operator==(const PermissionSet&) const = default;

  private:
    constexpr explicit PermissionSet(std::uint8_t bits) : bits_(bits) {}
    std::uint8_t bits_ = 0;
};

// "list", "read", "write", "delete" (Files.com's word; `remove` in C++ only because `delete` is
// a keyword).
std::string_view to_string(Permission p);
std::optional<Permission> parse_permission(std::string_view name);

// "list,read" form, in kPermissions order; "" for none. parse_permission_set takes names in
// any order, separated by commas (spaces allowed), and "none" or "" for the empty set; "all" for
// every permission. Returns nullopt naming nothing on an unknown name.
std::string to_string(PermissionSet s);
std::optional<PermissionSet> parse_permission_set(std::string_view text);

// A rule path as an administrator writes it, made canonical: absolute, no "." or empty
// components, no trailing '/', "/" for the root. ".." is refused (nullopt) rather than resolved:
// a rule must say exactly which folder it means.
std::optional<std::string> canonical_rule_path(std::string_view path);

struct FolderPermission {
    std::int64_t id = 0;
    std::int64_t user_id = 0;
    std::string path;  // canonical_rule_path form
    PermissionSet permissions;
    UnixTime created_at = 0;
};

}  // namespace drawbridge::core
