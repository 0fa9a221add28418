#include <gtest/gtest.h>

#include "core/folder_permission.h"

namespace drawbridge::core {
namespace {

TEST(FolderPermission, SetsParseInAnyOrderAndPrintInOne) {
    const auto s = parse_permission_set("delete, list");
    ASSERT_TRUE(s);
    EXPECT_TRUE(s->has(Permission::list));
    EXPECT_TRUE(s->has(Permission::remove));
    EXPECT_FALSE(s->has(Permission::read));
    EXPECT_EQ(to_string(*s), "list,delete");
    EXPECT_EQ(parse_permission_set("all"), PermissionSet::all());
    EXPECT_EQ(to_string(PermissionSet::all()), "list,read,write,delete");
    EXPECT_EQ(parse_permission_set(""), PermissionSet::none());
    EXPECT_EQ(parse_permission_set("none"), PermissionSet::none());
    EXPECT_EQ(to_string(PermissionSet::none()), "");
    EXPECT_FALSE(parse_permission_set("read,execute"));
    EXPECT_FALSE(parse_permission_set("read,,write"));
    EXPECT_FALSE(parse_permission_set("remove"));  // the word is "delete"
}

TEST(FolderPermission, RulePathsAreMadeCanonical) {
    EXPECT_EQ(canonical_rule_path("/"), "/");
    EXPECT_EQ(canonical_rule_path("//a/./b//"), "/a/b");
    EXPECT_EQ(canonical_rule_path("/a b/c"), "/a b/c");
    EXPECT_FALSE(canonical_rule_path(""));
    EXPECT_FALSE(canonical_rule_path("a/b"));
    EXPECT_FALSE(canonical_rule_path("/a/../b"));
}

}  // namespace
}  // namespace drawbridge::core
