#include <fstream>

#include "core/password_hash.h"
#include "gate_fixture.h"

namespace drawbridge::testing {
namespace {

using core::AuthMethod;

std::string error_of(const std::function<void()>& fn) {
    try {
        fn();
    } catch (const auth::AccountError& e) {
        return e.what();
    }
    return "";
}

TEST_F(GateTest, UsernamesAreUniqueWhateverTheCase) {
    add_user("Alice");
    EXPECT_EQ(error_of([&] { add_user("alice"); }), "username 'alice' is already taken");
    EXPECT_EQ(accounts_->get_user("ALICE").username, "Alice");
    EXPECT_NE(error_of([&] { add_user("@api-x"); }).find("@api-"), std::string::npos);
}

TEST_F(GateTest, CreatedUserIsLoggedAndStoresOnlyAHash) {
    const auto u = add_user("alice");
    EXPECT_TRUE(core::is_native_hash(u.password_hash));
    EXPECT_EQ(u.password_hash.find(kGoodPassword), std::string::npos);
    EXPECT_EQ(u.password_set_at, kNow);
    EXPECT_EQ(last_entry().action, "user_create");
}

TEST_F(GateTest, PasswordMethodsNeedAPassword) {
    auth::NewUser spec;
    spec.username = "nopw";
    EXPECT_NE(error_of([&] { accounts_->create_user(spec, {}); }).find("needs a password"),
              std::string::npos);
    spec.fields = {{"authentication_method", "none"}};
    spec.password = kGoodPassword;
    EXPECT_NE(error_of([&] { accounts_->create_user(spec, {}); }).find("takes no password"),
              std::string::npos);
}

// PATCH /users/{id} of a method and a password: neither alone can be made for a `none` user.
TEST_F(GateTest, APasswordWithFieldsIsOneChange) {
    auth::NewUser spec;
    spec.username = "kay";
    spec.fields = {{"authentication_method", "none"}};
    accounts_->create_user(spec, {});
    EXPECT_NE(error_of([&] {
                  accounts_->set_password("kay", kGoodPassword, false, {});
              }).find("takes no password"),
              std::string::npos);
    const auto u = accounts_->set_password("kay", kGoodPassword, false, {},
                                           {{"authentication_method", "password_and_ssh_key"}});
    EXPECT_EQ(u.authentication_method, AuthMethod::password_and_ssh_key);
    EXPECT_TRUE(core::is_native_hash(u.password_hash));
    EXPECT_NE(last_entry().detail.find("changed authentication_method; password set"),
              std::string::npos)
        << last_entry().detail;
    // A bad field refuses the whole change, password included.
    EXPECT_NE(error_of([&] {
                  accounts_->set_password("kay", "Second-Horse-9-Battery", false, {},
                                          {{"email", "not an address"}});
              }).find("email"),
              std::string::npos);
    EXPECT_EQ(accounts_->get_user("kay").password_hash, u.password_hash);
}

TEST_F(GateTest, PolicyErrorListsEveryUnmetRule) {
    add_user("alice");
    const auto e = error_of([&] { accounts_->set_password("alice", "abc", false, {}); });
    // One message naming each rule that "abc" breaks: length, number, symbol, mixed case.
    EXPECT_NE(e.find("10"), std::string::npos) << e;
    EXPECT_NE(e.find(";"), std::string::npos) << e;
}

TEST_F(GateTest, RecentPasswordsCannotBeReused) {
    add_user("alice");
    EXPECT_FALSE(
        error_of([&] { accounts_->set_password("alice", kGoodPassword, false, {}); }).empty());
    accounts_->set_password("alice", "Second-Horse-9-Battery", false, {});
    auto site = store_->load_site_settings();
    site.max_prior_passwords = 0;
    store_->save_site_settings(site);
    EXPECT_EQ(error_of([&] { accounts_->set_password("alice", kGoodPassword, false, {}); }), "");
}

TEST_F(GateTest, ImportedHashesAreInspected) {
    add_user("mig", AuthMethod::none);
    const auto e =
        error_of([&] { accounts_->import_password_hash("mig", "$6$salt$tooshort", {}); });
    EXPECT_NE(e.find("imported hash refused"), std::string::npos) << e;
    EXPECT_EQ(accounts_->get_user("mig").authentication_method, AuthMethod::none);
}

TEST_F(GateTest, ApiKeysAreStoredAsDigestsAndRevokedOneByOne) {
    add_user("alice");
    const auto a = accounts_->create_api_key("alice", "one", "first", std::nullopt, {});
    const auto b = accounts_->create_api_key("alice", "two", "", kNow + 86400, {});
    EXPECT_EQ(a.secret.size(), 64u);
    EXPECT_EQ(a.key.digest_hex, core::crypto::to_hex(core::crypto::sha256(a.secret)));
    EXPECT_NE(error_of([&] { accounts_->create_api_key("alice", "one", "", std::nullopt, {}); }),
              "");
    EXPECT_NE(error_of([&] { accounts_->create_api_key("alice", "123", "", std::nullopt, {}); }),
              "");
    EXPECT_NE(
        error_of([&] { accounts_->create_api_key("alice", "bad name", "", std::nullopt, {}); }),
        "");
    EXPECT_NE(error_of([&] { accounts_->create_api_key("alice", "old", "", kNow - 1, {}); }), "");
    EXPECT_EQ(accounts_->list_api_keys("alice").size(), 2u);
    accounts_->revoke_api_key("alice", "one", {});
    EXPECT_EQ(password("@api-one", a.secret, core::Interface::ftp).reason,
              core::FailureReason::api_key_mismatch);
    EXPECT_TRUE(password("@api-two", b.secret, core::Interface::ftp).ok());
    accounts_->revoke_api_key("alice", std::to_string(b.key.id), {});
    EXPECT_TRUE(accounts_->list_api_keys("alice").empty());
    EXPECT_EQ(last_entry().action, "api_key_destroy");
}

TEST_F(GateTest, SshKeysAreValidatedAndUniquePerUser) {
    add_user("alice");
    const auto k = accounts_->add_ssh_key("alice", kAliceKey, "", {});
    EXPECT_EQ(k.title, "alice@laptop");
    EXPECT_EQ(k.fingerprint_sha256, kAliceFingerprint);
    EXPECT_NE(error_of([&] {
                  accounts_->add_ssh_key("alice", kAliceKey, "again", {});
              }).find("already registered"),
              std::string::npos);
    EXPECT_NE(error_of([&] {
                  accounts_->add_ssh_key("alice", "ssh-rsa AAAA", "", {});
              }).find("SSH key refused"),
              std::string::npos);
    accounts_->remove_ssh_key("alice", kAliceFingerprint, {});
    EXPECT_TRUE(accounts_->list_ssh_keys("alice").empty());
}

TEST_F(GateTest, DeletingAUserRemovesItsKeys) {
    add_user("alice");
    const auto a = accounts_->create_api_key("alice", "one", "", std::nullopt, {});
    accounts_->delete_user("alice", {});
    EXPECT_FALSE(store_->find_api_key(a.key.id));
    EXPECT_EQ(last_entry().action, "user_destroy");
    EXPECT_NE(error_of([&] { accounts_->get_user("alice"); }), "");
}

// Issue 11, bug 2: a root belongs to its account.
TEST_F(GateTest, ARenamedUserKeepsItsFolder) {
    const auto alice = add_user("alice");
    const auto before = roots_->root_of(alice);
    set("alice", "username", "alicia");
    EXPECT_EQ(roots_->root_of(accounts_->get_user("alicia")), before);
    EXPECT_EQ(before.filename(), std::to_string(alice.id));
}

TEST_F(GateTest, ADeletedUsersFilesAreKeptAsideNotHandedOn) {
    const auto bot = add_user("bot");
    std::filesystem::create_directories(roots_->root_of(bot));
    std::ofstream(roots_->root_of(bot) / "secret.txt") << "bot's\n";
    const auto kept = accounts_->delete_user("bot", {});
    ASSERT_TRUE(kept);
    EXPECT_TRUE(std::filesystem::exists(roots_->files_dir() / *kept / "secret.txt"));
    EXPECT_NE(last_entry().detail.find(kept->generic_string()), std::string::npos);
    const auto again = add_user("bot");
    EXPECT_EQ(again.id, bot.id);  // SQLite gives the highest id out again
    EXPECT_FALSE(std::filesystem::exists(roots_->root_of(again) / "secret.txt"));
}

TEST_F(GateTest, AnUnownedFolderUnderANewUsersIdIsSetAside) {
    const auto first = add_user("first");
    std::filesystem::create_directories(roots_->default_root(first.id + 1));
    std::ofstream(roots_->default_root(first.id + 1) / "stale.txt") << "no one's\n";
    const auto second = add_user("second");
    ASSERT_EQ(second.id, first.id + 1);
    EXPECT_FALSE(std::filesystem::exists(roots_->root_of(second) / "stale.txt"));
}

TEST_F(GateTest, UserRootsAreCheckedWhenSet) {
    add_user("alice");
    EXPECT_NE(error_of([&] { set("alice", "user_root", "../outside"); }).find("'..'"),
              std::string::npos);
    EXPECT_NE(
        error_of([&] { set("alice", "user_root", "/etc"); }).find("files.allowed_root_prefixes"),
        std::string::npos);
    EXPECT_NE(error_of([&] {
                  add_user("bob", AuthMethod::password, {{"user_root", "users/1"}});
              }).find("default and the deleted"),
              std::string::npos);
    set("alice", "user_root", "shared/acme/");
    EXPECT_EQ(accounts_->get_user("alice").user_root, "shared/acme");
}

TEST_F(GateTest, GeneratedPasswordsAreAccepted) {
    add_user("alice");
    for (int i = 0; i < 5; ++i)
        EXPECT_EQ(error_of([&] {
                      accounts_->set_password("alice", accounts_->generate_password(), false, {});
                  }),
                  "");
}

}  // namespace
}  // namespace drawbridge::testing
