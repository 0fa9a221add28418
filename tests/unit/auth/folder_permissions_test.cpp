#include "gate_fixture.h"

namespace drawbridge::testing {
namespace {

using core::Permission;
using core::PermissionSet;

std::string error_of(const std::function<void()>& fn) {
    try {
        fn();
    } catch (const auth::AccountError& e) {
        return e.what();
    }
    return "";
}

const PermissionSet kReadOnly = PermissionSet().with(Permission::list).with(Permission::read);

TEST_F(GateTest, FolderPermissionsAreSetCanonicallyListedAndAudited) {
    const auto alice = add_user("alice");
    const auto rule = accounts_->set_folder_permission("ALICE", "/reports//2026/", kReadOnly, {});
    EXPECT_EQ(rule.path, "/reports/2026");
    EXPECT_EQ(rule.user_id, alice.id);
    EXPECT_EQ(rule.created_at, kNow);
    const auto entry = last_entry();
    EXPECT_EQ(entry.action, "permission_create");
    EXPECT_EQ(entry.path, "/reports/2026");
    EXPECT_EQ(entry.detail, "allows list,read");

    accounts_->set_folder_permission("alice", "/reports/2026", PermissionSet::none(), {});
    EXPECT_EQ(last_entry().detail, "allows none");
    const auto rules = accounts_->list_folder_permissions("alice");
    ASSERT_EQ(rules.size(), 1u);
    EXPECT_EQ(rules[0].permissions, PermissionSet::none());
    EXPECT_EQ(accounts_->folder_permissions_of(alice).size(), 1u);

    accounts_->remove_folder_permission("alice", "/reports/2026/", {});
    EXPECT_EQ(last_entry().action, "permission_destroy");
    EXPECT_TRUE(accounts_->list_folder_permissions("alice").empty());
}

TEST_F(GateTest, FolderPermissionErrorsSayWhatIsWrong) {
    add_user("alice");
    EXPECT_NE(error_of([&] {
                  accounts_->set_folder_permission("alice", "reports", kReadOnly, {});
              }).find("absolute path"),
              std::string::npos);
    EXPECT_NE(error_of([&] {
                  accounts_->set_folder_permission("alice", "/a/../b", kReadOnly, {});
              }).find(".."),
              std::string::npos);
    EXPECT_EQ(error_of([&] { accounts_->set_folder_permission("bob", "/a", kReadOnly, {}); }),
              "no user named 'bob'");
    EXPECT_EQ(error_of([&] { accounts_->remove_folder_permission("alice", "/a", {}); }),
              "user 'alice' has no folder permission at '/a'");
}

}  // namespace
}  // namespace drawbridge::testing
