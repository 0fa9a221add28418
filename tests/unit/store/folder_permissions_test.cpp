#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "store/migrations.h"
#include "store/store.h"
#include "store_fixture.h"

namespace drawbridge::store {
namespace {

using core::Permission;
using core::PermissionSet;

class FolderPermissionsTest : public StoreFixture {
  protected:
    core::FolderPermission rule(std::int64_t user_id, std::string path, PermissionSet granted,
                                core::UnixTime at = 200) {
        core::FolderPermission r;
        r.user_id = user_id;
        r.path = std::move(path);
        r.permissions = granted;
        r.created_at = at;
        store_->set_folder_permission(r);
        return r;
    }
};

const PermissionSet kReadOnly = PermissionSet().with(Permission::list).with(Permission::read);

TEST_P(FolderPermissionsTest, RulesRoundTripByPathAndSurviveReopening) {
    const auto alice = user("alice");
    const auto bob = user("bob");
    rule(alice.id, "/reports", kReadOnly);
    rule(alice.id, "/", PermissionSet::all());
    rule(alice.id, "/drop", PermissionSet().with(Permission::write));
    rule(bob.id, "/", PermissionSet::none());
    reopen();
    const auto rules = store_->list_folder_permissions(alice.id);
    ASSERT_EQ(rules.size(), 3u);
    EXPECT_EQ(rules[0].path, "/");
    EXPECT_EQ(rules[0].permissions, PermissionSet::all());
    EXPECT_EQ(rules[1].path, "/drop");
    EXPECT_EQ(rules[1].permissions, PermissionSet().with(Permission::write));
    EXPECT_EQ(rules[2].path, "/reports");
    EXPECT_EQ(rules[2].permissions, kReadOnly);
    EXPECT_EQ(rules[2].created_at, 200);
    EXPECT_EQ(rules[2].user_id, alice.id);
    const auto bobs = store_->list_folder_permissions(bob.id);
    ASSERT_EQ(bobs.size(), 1u);
    EXPECT_EQ(bobs[0].permissions, PermissionSet::none());
}

TEST_P(FolderPermissionsTest, SettingAPathAgainReplacesItsRuleKeepingIdAndCreation) {
    const auto alice = user("alice");
    const auto first = rule(alice.id, "/reports", kReadOnly, 200);
    const auto second = rule(alice.id, "/reports", PermissionSet::none(), 300);
    EXPECT_EQ(second.id, first.id);
    EXPECT_EQ(second.created_at, 200);
    const auto rules = store_->list_folder_permissions(alice.id);
    ASSERT_EQ(rules.size(), 1u);
    EXPECT_EQ(rules[0].permissions, PermissionSet::none());
}

TEST_P(FolderPermissionsTest, PathsAreCaseSensitive) {
    const auto alice = user("alice");
    rule(alice.id, "/Reports", kReadOnly);
    rule(alice.id, "/reports", PermissionSet::none());
    EXPECT_EQ(store_->list_folder_permissions(alice.id).size(), 2u);
}

TEST_P(FolderPermissionsTest, DeleteRemovesOneRule) {
    const auto alice = user("alice");
    rule(alice.id, "/a", kReadOnly);
    rule(alice.id, "/b", kReadOnly);
    EXPECT_TRUE(store_->delete_folder_permission(alice.id, "/a"));
    EXPECT_FALSE(store_->delete_folder_permission(alice.id, "/a"));
    EXPECT_FALSE(store_->delete_folder_permission(alice.id + 1, "/b"));
    const auto rules = store_->list_folder_permissions(alice.id);
    ASSERT_EQ(rules.size(), 1u);
    EXPECT_EQ(rules[0].path, "/b");
}

// DELETE /permissions/{id} finds its rule (and so its user) by id alone.
TEST_P(FolderPermissionsTest, FindsOneRuleById) {
    const auto alice = user("alice");
    const auto a = rule(alice.id, "/a", kReadOnly);
    const auto found = store_->find_folder_permission(a.id);
    ASSERT_TRUE(found);
    EXPECT_EQ(found->user_id, alice.id);
    EXPECT_EQ(found->path, "/a");
    EXPECT_EQ(found->permissions, kReadOnly);
    EXPECT_FALSE(store_->find_folder_permission(a.id + 1));
}

TEST_P(FolderPermissionsTest, DeletingTheUserDeletesItsRules) {
    const auto alice = user("alice");
    rule(alice.id, "/a", kReadOnly);
    ASSERT_TRUE(store_->delete_user(alice.id));
    EXPECT_TRUE(store_->list_folder_permissions(alice.id).empty());
    // A new user never inherits the rules of one that had the same id.
    const auto again = user("alice");
    EXPECT_TRUE(store_->list_folder_permissions(again.id).empty());
}

TEST_P(FolderPermissionsTest, TheTableComesWithItsOwnMigrationStep) {
    EXPECT_GE(migrations().size(), 3u);
    EXPECT_NE(std::string(migrations().at(2)).find("CREATE TABLE folder_permissions"),
              std::string::npos);
    EXPECT_EQ(store_->schema_version(), static_cast<int>(migrations().size()));
}

BOTH_BACKENDS(FolderPermissionsTest);

}  // namespace
}  // namespace drawbridge::store
