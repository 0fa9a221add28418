// LoginGate::readmit: what a login granted ends when the rights behind it are taken back.
#include "gate_fixture.h"

namespace drawbridge::testing {
namespace {

using core::FailureReason;
using core::Interface;

class ReadmitTest : public GateTest {
  protected:
    core::SessionGrant grant_of(const core::LoginOutcome& o) {
        EXPECT_TRUE(o.ok()) << o.detail;
        EXPECT_TRUE(o.grant.has_value());
        return o.grant.value_or(core::SessionGrant{});
    }
    FailureReason readmit(core::SessionGrant& g) {
        const auto r = gate_->readmit(g);
        return r ? r->reason : FailureReason::none;
    }
};

TEST_F(ReadmitTest, PasswordSessionEndsWithAPasswordChange) {
    add_user("alice");
    auto g = grant_of(password("alice", kGoodPassword));
    EXPECT_EQ(g.factors, std::set<core::Factor>{core::Factor::password});
    EXPECT_EQ(readmit(g), FailureReason::none);
    const auto before = count_entries("failedlogin");
    accounts_->set_password("alice", "Another-Horse-7-Battery", false, {});
    EXPECT_EQ(readmit(g), FailureReason::password_mismatch);
    EXPECT_EQ(count_entries("failedlogin"), before);  // records nothing
}

TEST_F(ReadmitTest, DisableLockExpiryPermissionAndDeleteEndSessions) {
    add_user("alice");
    auto g = grant_of(password("alice", kGoodPassword));
    set("alice", "disabled", "true");
    EXPECT_EQ(readmit(g), FailureReason::disabled);
    set("alice", "disabled", "false");
    EXPECT_EQ(readmit(g), FailureReason::none);
    auto u = *store_->find_user_by_name("alice");
    u.lockout_expires = kNow + 60;
    store_->update_user(u);
    EXPECT_EQ(readmit(g), FailureReason::locked_out);
    accounts_->unlock("alice", {});
    set("alice", "sftp_permission", "false");
    EXPECT_EQ(readmit(g), FailureReason::no_sftp_permission);
    set("alice", "sftp_permission", "true");
    set("alice", "allowed_ips", "10.0.0.0/8");
    EXPECT_EQ(readmit(g), FailureReason::ip_mismatch);
    set("alice", "allowed_ips", "");
    set("alice", "authenticate_until", "2026-01-01");
    EXPECT_EQ(readmit(g), FailureReason::expired_access);
    accounts_->delete_user("alice", {});
    EXPECT_EQ(readmit(g), FailureReason::username_not_found);
}

TEST_F(ReadmitTest, AMethodThatNoLongerAdmitsTheFactorEndsTheSession) {
    add_user("alice");
    auto g = grant_of(password("alice", kGoodPassword));
    set("alice", "authentication_method", "none");
    EXPECT_EQ(readmit(g), FailureReason::method_not_allowed);
    set("alice", "authentication_method", "password");
    EXPECT_EQ(readmit(g), FailureReason::none);
    // An SSH key session goes on: keys log in whatever the method.
    accounts_->add_ssh_key("alice", kAliceKey, "", {});
    auto k = grant_of(key("alice", kAliceKey));
    set("alice", "authentication_method", "none");
    EXPECT_EQ(readmit(k), FailureReason::none);
}

TEST_F(ReadmitTest, ApiKeySessionEndsWhenTheKeyIsRevokedNotWithThePassword) {
    add_user("alice");
    const auto created = accounts_->create_api_key("alice", "nightly", "", std::nullopt, {});
    auto g = grant_of(password("@api-nightly", created.secret, Interface::dav));
    EXPECT_EQ(g.api_key_id, created.key.id);
    accounts_->set_password("alice", "Another-Horse-7-Battery", false, {});
    EXPECT_EQ(readmit(g), FailureReason::none);
    accounts_->revoke_api_key("alice", "nightly", {});
    EXPECT_EQ(readmit(g), FailureReason::api_key_mismatch);
}

TEST_F(ReadmitTest, SshKeySessionEndsWhenTheKeyIsRemoved) {
    add_user("alice");
    accounts_->add_ssh_key("alice", kAliceKey, "", {});
    auto g = grant_of(key("alice", kAliceKey));
    EXPECT_EQ(readmit(g), FailureReason::none);
    accounts_->remove_ssh_key("alice", kAliceFingerprint, {});
    EXPECT_EQ(readmit(g), FailureReason::key_mismatch);
}

// Between changes the gate answers from its memo in the grant; what only time ends (access
// expiry, a key's expiry) is re-checked when that time comes, with no change to see.
TEST_F(ReadmitTest, TimeEndsWhatItMustWithoutAnyChange) {
    add_user("alice");
    set("alice", "authenticate_until", core::format_time(kNow + 30));
    auto g = grant_of(password("alice", kGoodPassword));
    EXPECT_EQ(readmit(g), FailureReason::none);
    EXPECT_NE(g.recheck_by, 0);
    EXPECT_LE(g.recheck_by, kNow + 30);
    clock_.advance(10);
    EXPECT_EQ(readmit(g), FailureReason::none);
    clock_.advance(25);
    EXPECT_EQ(readmit(g), FailureReason::expired_access);
}

// docs/login-gate.md#open-sessions: a session counts while any copy of its grant lives.
TEST_F(ReadmitTest, OpenSessionsAreCountedWhileTheirGrantLives) {
    add_user("alice");
    EXPECT_EQ(gate_->open_sessions(Interface::sftp), 0);
    {
        auto g = grant_of(password("alice", kGoodPassword));
        auto copy = g;  // a protocol may keep copies: still one session
        EXPECT_EQ(gate_->open_sessions(Interface::sftp), 1);
        auto other = grant_of(password("alice", kGoodPassword, Interface::ftp));
        EXPECT_EQ(gate_->open_sessions(Interface::ftp), 1);
        EXPECT_EQ(gate_->open_sessions(Interface::sftp), 1);
        EXPECT_FALSE(password("alice", "wrong", Interface::dav).ok());
        EXPECT_EQ(gate_->open_sessions(Interface::dav), 0);  // a refusal opens none
    }
    EXPECT_EQ(gate_->open_sessions(Interface::sftp), 0);
    EXPECT_EQ(gate_->open_sessions(Interface::ftp), 0);
}

}  // namespace
}  // namespace drawbridge::testing
