// How a connection's attempts add up: one guess counts once, a half-done two-factor login is a
// refusal of its own, and a plain FTP USER is refused before the password when the site alone
// decides it.
#include "core/guess_memo.h"
#include "gate_fixture.h"

namespace drawbridge::testing {
namespace {

using core::AuthMethod;
using core::FailureReason;
using core::Interface;

class StepsTest : public GateTest {
  protected:
    core::LoginOutcome on(const std::shared_ptr<core::GuessMemo>& memo, const std::string& user,
                          const std::string& secret) {
        core::LoginAttempt a{
            user, Interface::sftp, "198.51.100.7", core::PasswordCredential{secret}, {}, {}};
        a.guesses = memo;
        a.multi_step = true;
        return gate_->attempt(a);
    }

    int failures_counted(std::int64_t user_id) {
        return store_->count_login_failures(user_id, 0, "");
    }
};

TEST_F(StepsTest, OneGuessOfOneSecretOnOneConnectionCountsOnce) {
    const auto alice = add_user("alice");
    const auto connection = std::make_shared<core::GuessMemo>();
    // OpenSSH offers what it was given by keyboard-interactive, then by "password".
    const auto first = on(connection, "alice", "Wrong-Horse-9-Battery");
    const auto again = on(connection, "Alice", "Wrong-Horse-9-Battery");
    EXPECT_EQ(first.reason, FailureReason::password_mismatch);
    EXPECT_FALSE(first.repeated);
    EXPECT_EQ(again.reason, FailureReason::password_mismatch);  // answered alike
    EXPECT_EQ(again.shown, FailureReason::password_mismatch);
    EXPECT_TRUE(again.repeated);
    EXPECT_EQ(count_entries("failedlogin"), 1u);
    EXPECT_EQ(failures_counted(alice.id), 1);
    EXPECT_EQ(gate_->queue_priority("198.51.100.7"), 1);

    // Another wrong secret is another guess; so is the same one on another connection, or for
    // another name.
    on(connection, "alice", "Wrong-Horse-9-Battery-2");
    on(std::make_shared<core::GuessMemo>(), "alice", "Wrong-Horse-9-Battery");
    on(connection, "nobody", "Wrong-Horse-9-Battery");
    EXPECT_EQ(count_entries("failedlogin"), 4u);
    EXPECT_EQ(failures_counted(alice.id), 3);

    // Without a memo every attempt counts, as before.
    password("alice", "Wrong-Horse-9-Battery");
    password("alice", "Wrong-Horse-9-Battery");
    EXPECT_EQ(failures_counted(alice.id), 5);
    // The right password still logs in on the connection that guessed.
    EXPECT_TRUE(on(connection, "alice", kGoodPassword).ok());
}

TEST_F(StepsTest, TheMemoTellsGuessesApartByNameCredentialAndReason) {
    // Each memo has its own key: what one connection saw tells another nothing.
    core::GuessMemo a, b;
    core::PasswordCredential secret{"Wrong-Horse-9-Battery"};
    EXPECT_FALSE(a.seen_before("alice", secret, FailureReason::password_mismatch));
    EXPECT_FALSE(b.seen_before("alice", secret, FailureReason::password_mismatch));
    EXPECT_TRUE(a.seen_before("ALICE", secret, FailureReason::password_mismatch));
    // The same secret refused for another reason is another event.
    EXPECT_FALSE(a.seen_before("alice", secret, FailureReason::locked_out));
    // A key and a password with the same bytes are different guesses.
    EXPECT_FALSE(a.seen_before("alice", core::PublicKeyCredential{"ssh-ed25519", secret.secret},
                               FailureReason::password_mismatch));
}

TEST_F(StepsTest, AFirstFactorWithoutTheSecondIsRecordedWithTheMissingOne) {
    const auto u = add_user("both", AuthMethod::password_and_ssh_key);
    accounts_->add_ssh_key("both", kAliceKey, "", {});
    // The key, then the client leaves: SFTP asks the gate to record it when it closes.
    const auto partial = key("both", kAliceKey);
    ASSERT_EQ(partial.kind, core::LoginOutcome::Kind::partial);
    EXPECT_EQ(count_entries("failedlogin"), 0u);
    const auto refused = gate_->refuse_partial(Interface::sftp, "both", "198.51.100.7", partial,
                                               "before the connection closed");
    EXPECT_EQ(refused.reason, FailureReason::password_missing);
    auto e = last_entry();
    EXPECT_EQ(e.action, "failedlogin");
    EXPECT_EQ(e.failure_type, FailureReason::password_missing);
    EXPECT_EQ(e.user_id, u.id);
    EXPECT_EQ(e.interface, Interface::sftp);
    EXPECT_NE(e.detail.find("SSH key was accepted"), std::string::npos) << e.detail;
    EXPECT_NE(e.detail.find("before the connection closed"), std::string::npos) << e.detail;

    // The password first: the key is what is missing.
    const auto by_password = password("both", kGoodPassword);
    ASSERT_EQ(by_password.kind, core::LoginOutcome::Kind::partial);
    gate_->refuse_partial(Interface::sftp, "both", "198.51.100.7", by_password, "left");
    EXPECT_EQ(last_entry().failure_type, FailureReason::ssh_key_missing);
    // The factor given was right: nothing toward a lock, nothing against the address.
    EXPECT_EQ(failures_counted(u.id), 0);
}

TEST_F(StepsTest, AProtocolWithoutASecondStepGetsTheRefusalAtOnce) {
    const auto u = add_user("both", AuthMethod::password_and_ssh_key);
    accounts_->add_ssh_key("both", kAliceKey, "", {});
    core::LoginAttempt a{
        "both", Interface::sftp, "198.51.100.7", core::PasswordCredential{kGoodPassword}, {}, {}};
    a.multi_step = false;  // a client of a protocol that cannot ask for the key
    const auto out = gate_->attempt(a);
    EXPECT_EQ(out.kind, core::LoginOutcome::Kind::failure);
    EXPECT_EQ(out.reason, FailureReason::ssh_key_missing);
    EXPECT_EQ(out.shown, FailureReason::ssh_key_missing);
    EXPECT_EQ(last_entry().failure_type, FailureReason::ssh_key_missing);
    EXPECT_EQ(last_entry().user_id, u.id);
    EXPECT_EQ(failures_counted(u.id), 0);
}

TEST_F(StepsTest, APlainUserIsRefusedBeforeThePasswordOnlyWhenTheSiteAloneDecides) {
    add_user("alice");
    // The site requires TLS (the default) and nobody is excepted: every name, known or not,
    // is refused at USER, and the refusal is recorded like a login refusal.
    for (const char* name : {"alice", "nobody"}) {
        const auto out = gate_->refuse_plain_user(Interface::ftp, name, "198.51.100.7");
        ASSERT_TRUE(out) << name;
        EXPECT_EQ(out->reason, FailureReason::insecure_ftp);
        const auto e = last_entry();
        EXPECT_EQ(e.action, "failedlogin");
        EXPECT_EQ(e.failure_type, FailureReason::insecure_ftp);
        EXPECT_EQ(e.username, name);
        EXPECT_EQ(e.user_id.has_value(), std::string(name) == "alice");
    }
    // One user may log in in clear: answering at USER would tell which names exist, so every
    // name is asked for its password, and the attempt decides.
    add_user("legacy");
    set("legacy", "ssl_required", "never_require");
    EXPECT_FALSE(gate_->refuse_plain_user(Interface::ftp, "alice", "198.51.100.7"));
    EXPECT_FALSE(gate_->refuse_plain_user(Interface::ftp, "legacy", "198.51.100.7"));
    set("legacy", "ssl_required", "use_system_setting");
    EXPECT_TRUE(gate_->refuse_plain_user(Interface::ftp, "alice", "198.51.100.7"));
    // A site that allows plain FTP answers every USER alike too, even for a user who must use
    // TLS (refused at PASS).
    auto site = store_->load_site_settings();
    site.ssl_required = false;
    store_->save_site_settings(site);
    set("alice", "ssl_required", "always_require");
    EXPECT_FALSE(gate_->refuse_plain_user(Interface::ftp, "alice", "198.51.100.7"));
}

}  // namespace
}  // namespace drawbridge::testing
