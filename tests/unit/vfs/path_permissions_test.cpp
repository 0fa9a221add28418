#include <gtest/gtest.h>

#include "vfs/path_permissions.h"

namespace drawbridge::vfs {
namespace {

const PermissionSet kReadOnly = PermissionSet().with(Permission::list).with(Permission::read);
const PermissionSet kDropBox = PermissionSet().with(Permission::write);

TEST(PathPermissions, NoRulesAllowEverything) {
    const PathPermissions p;
    for (const auto op : core::kPermissions) EXPECT_TRUE(p.allows(op, "/any/where"));
}

TEST(PathPermissions, TheDeepestRuleOnTheWayDecides) {
    PathPermissions p;
    p.set("/", PermissionSet::all());
    p.set("/reports", kReadOnly);
    p.set("/reports/open", PermissionSet::all());
    p.set("/drop", kDropBox);
    EXPECT_EQ(p.effective("/"), PermissionSet::all());
    EXPECT_EQ(p.effective("/elsewhere/x"), PermissionSet::all());
    EXPECT_EQ(p.effective("/reports"), kReadOnly);
    EXPECT_EQ(p.effective("/reports/2024/q1.csv"), kReadOnly);
    EXPECT_EQ(p.effective("/reports/open/x"), PermissionSet::all());
    EXPECT_EQ(p.effective("/reportsX"), PermissionSet::all());  // a sibling, not a child
    EXPECT_FALSE(p.allows(Permission::list, "/drop"));
    EXPECT_TRUE(p.allows(Permission::write, "/drop/in.txt"));
    EXPECT_FALSE(p.allows(Permission::read, "/drop/in.txt"));
}

TEST(PathPermissions, ClientPathsAreNormalisedBeforeMatching) {
    PathPermissions p;
    p.set("/secret", PermissionSet::none());
    EXPECT_FALSE(p.allows(Permission::read, "/secret//x"));
    EXPECT_FALSE(p.allows(Permission::read, "/pub/../secret/x"));
    EXPECT_FALSE(p.allows(Permission::read, "secret/./x"));
    EXPECT_FALSE(p.allows(Permission::list, "/secret/"));
}

TEST(PathPermissions, ARootRuleCoversEverythingWithoutADeeperOne) {
    PathPermissions p;
    p.set("/", kReadOnly);
    p.set("/upload", PermissionSet::all());
    EXPECT_FALSE(p.allows(Permission::write, "/a.txt"));
    EXPECT_TRUE(p.allows(Permission::write, "/upload/a.txt"));
}

TEST(PathPermissions, BuiltFromStoredRules) {
    std::vector<core::FolderPermission> rules(1);
    rules[0].path = "/ro";
    rules[0].permissions = kReadOnly;
    const PathPermissions p(rules);
    EXPECT_FALSE(p.allows(Permission::remove, "/ro/f"));
    EXPECT_TRUE(p.allows(Permission::remove, "/f"));
}

TEST(PathPermissions, AnAliasMayNotGrantWhatTheTargetRefuses) {
    PathPermissions p;
    p.set("/secret", PermissionSet::none());
    p.set("/ro", kReadOnly);
    p.set("/pub/narrow", kReadOnly);
    p.set("/ro/inner", PermissionSet().with(Permission::list));
    EXPECT_FALSE(p.alias_allowed("/secret/f", "/pub/f"));
    EXPECT_FALSE(p.alias_allowed("/ro", "/pub/ro"));
    EXPECT_TRUE(p.alias_allowed("/pub/a", "/pub/b"));
    EXPECT_TRUE(p.alias_allowed("/pub/a", "/ro/a"));  // narrower through the alias: fine
    // A folder whose subtree holds a stricter rule, aliased where that rule does not reach.
    p.set("/pub", kReadOnly);
    EXPECT_FALSE(p.alias_allowed("/ro", "/pub/alias"));
    // An alias whose own rule grants more than the target allows.
    EXPECT_FALSE(p.alias_allowed("/ro/inner", "/pub/narrow"));
    EXPECT_TRUE(PathPermissions().alias_allowed("/x", "/y"));
}

}  // namespace
}  // namespace drawbridge::vfs
