// Where users' roots are and what a user_root may name (docs/user-roots.md).
#include "auth/user_roots.h"

#include <gtest/gtest.h>

#include <fstream>
#include <random>

#include "gate_fixture.h"

namespace drawbridge::auth {
namespace {

namespace fs = std::filesystem;
using testing::kNow;

class UserRootsTest : public ::testing::Test {
  protected:
    void SetUp() override {
        std::random_device rd;
        base_ = fs::temp_directory_path() /
                ("drawbridge-roots-" + std::to_string(rd()) + std::to_string(rd()));
        fs::create_directories(base_ / "data" / "files");
        fs::create_directories(base_ / "srv" / "sftp");
        fs::create_directories(base_ / "elsewhere");
    }
    void TearDown() override {
        std::error_code ec;
        fs::remove_all(base_, ec);
    }

    UserRoots roots(std::vector<fs::path> prefixes = {}) const {
        return UserRoots(base_ / "data", base_ / "data" / "files", std::move(prefixes));
    }
    fs::path files() const { return base_ / "data" / "files"; }

    // The error for `root`, or "" when it is accepted.
    static std::string refusal(const UserRoots& r, const std::string& root) {
        try {
            r.check(root);
            return "";
        } catch (const RootRefused& e) {
            return e.what();
        }
    }

    fs::path base_;
};

TEST_F(UserRootsTest, RelativeRootsLiveUnderTheFilesFolder) {
    const auto r = roots();
    EXPECT_EQ(r.check(""), "");
    EXPECT_EQ(r.check("shared/acme/"), "shared/acme");
    EXPECT_EQ(r.check("./shared//acme"), "shared/acme");
    core::User u;
    u.id = 7;
    u.user_root = "shared/acme";
    EXPECT_EQ(r.root_of(u), files() / "shared" / "acme");
    u.user_root.clear();
    EXPECT_EQ(r.root_of(u), files() / "users" / "7");
}

TEST_F(UserRootsTest, DotDotIsRefusedEvenWhereItWouldStayInside) {
    const auto r = roots();
    for (const char* root : {"../elsewhere", "a/../b", "a/..", "..", "/srv/../etc"})
        EXPECT_NE(refusal(r, root).find("must not contain '..'"), std::string::npos) << root;
}

TEST_F(UserRootsTest, TheFilesFolderAndItsReservedFoldersAreRefused) {
    const auto r = roots();
    EXPECT_NE(refusal(r, ".").find("the files folder itself"), std::string::npos);
    EXPECT_NE(refusal(r, "./").find("the files folder itself"), std::string::npos);
    for (const std::string& root : std::vector<std::string>{
             "users", "users/3", "./users/3", ".deleted/3-bob-20260101T000000Z",
             (files() / "users" / "3").string(), (files() / ".deleted").string()})
        EXPECT_NE(refusal(r, root).find("default and the deleted users' roots"), std::string::npos)
            << root;
    for (const std::string& root : {files().string(), (base_ / "data").string(), std::string("/")})
        EXPECT_NE(refusal(r, root).find("would hold the node's data directory"), std::string::npos)
            << root;
    EXPECT_NE(
        refusal(r, (base_ / "data" / "host_keys").string()).find("lies in the data directory"),
        std::string::npos);
}

TEST_F(UserRootsTest, AnAbsoluteRootInsideTheFilesFolderIsAllowed) {
    const auto r = roots();
    const auto inside = (files() / "shared").string();
    EXPECT_EQ(r.check(inside + "/"), inside);
}

TEST_F(UserRootsTest, AnAbsoluteRootOutsideNeedsAnAllowedPrefix) {
    const auto elsewhere = (base_ / "elsewhere").string();
    const auto without = refusal(roots(), elsewhere);
    EXPECT_NE(without.find("files.allowed_root_prefixes (none configured)"), std::string::npos)
        << without;
    const auto r = roots({base_ / "srv" / "sftp"});
    EXPECT_EQ(r.check((base_ / "srv" / "sftp").string()), (base_ / "srv" / "sftp").string());
    EXPECT_EQ(refusal(r, (base_ / "srv" / "sftp" / "acme").string()), "");
    // Whole components: /srv/sftpx is not under /srv/sftp.
    EXPECT_NE(
        refusal(r, (base_ / "srv" / "sftpx").string()).find((base_ / "srv" / "sftp").string()),
        std::string::npos);
    EXPECT_NE(refusal(r, elsewhere), "");
    // The configuration can change after a root was set: root_of checks again.
    core::User u;
    u.id = 1;
    u.user_root = (base_ / "srv" / "sftp" / "acme").string();
    EXPECT_NO_THROW(r.root_of(u));
    EXPECT_THROW(roots().root_of(u), RootRefused);
}

TEST_F(UserRootsTest, ASymlinkIsJudgedByWhereItLeads) {
    fs::create_directory_symlink(base_ / "elsewhere", files() / "link");
    fs::create_directory_symlink(files() / "users", files() / "alias");
    const auto r = roots();
    EXPECT_NE(refusal(r, "link").find("outside the files folder"), std::string::npos);
    EXPECT_NE(refusal(r, "link/below").find("outside the files folder"), std::string::npos);
    EXPECT_NE(refusal(r, "alias/3").find("default and the deleted"), std::string::npos);
    EXPECT_EQ(roots({base_ / "elsewhere"}).check("link"), "link");
}

TEST_F(UserRootsTest, KeepAsideMovesTheDefaultRootOutOfReach) {
    const auto r = roots();
    EXPECT_EQ(r.keep_aside(4, "bob", kNow), std::nullopt);  // never logged in: nothing to move
    fs::create_directories(r.default_root(4));
    std::ofstream(r.default_root(4) / "report.csv") << "old\n";
    const auto kept = r.keep_aside(4, "bob", kNow);
    ASSERT_TRUE(kept);
    EXPECT_EQ(kept->generic_string(), ".deleted/4-bob-20261118T110640Z") << *kept;
    EXPECT_TRUE(fs::exists(files() / *kept / "report.csv"));
    EXPECT_FALSE(fs::exists(r.default_root(4)));
    EXPECT_EQ(fs::status(files() / ".deleted").permissions() & fs::perms::all,
              fs::perms::owner_all);
    fs::create_directories(r.default_root(4));
    EXPECT_EQ(r.keep_aside(4, "bob", kNow)->generic_string(), ".deleted/4-bob-20261118T110640Z-2");
    r.put_back(*kept, 4);
    EXPECT_TRUE(fs::exists(r.default_root(4) / "report.csv"));
}

TEST_F(UserRootsTest, FoldersNamedByUsernameAreAdopted) {
    const auto r = roots();
    fs::create_directories(files() / "alice");
    std::ofstream(files() / "alice" / "a.txt") << "a\n";
    fs::create_directories(files() / "bob");
    fs::create_directories(r.default_root(2));  // bob already has an id-named root: kept apart
    core::User alice, bob, carol;
    alice.id = 1, alice.username = "alice";
    bob.id = 2, bob.username = "bob";
    carol.id = 3, carol.username = "carol";
    EXPECT_EQ(r.adopt_named_roots({alice, bob, carol}), 1);
    EXPECT_TRUE(fs::exists(r.default_root(1) / "a.txt"));
    EXPECT_TRUE(fs::exists(files() / "bob"));
}

}  // namespace
}  // namespace drawbridge::auth
