// The parts of the Store contract (store/store.h) that the module's other tests leave to the
// auth, mail and http tests, pinned here on both backends: sessions and what revokes them,
// login security, mail claims, second factors, and the rights version.
#include <gtest/gtest.h>

#include "store_fixture.h"

namespace drawbridge::store {
namespace {

using ContractTest = StoreFixture;

core::StoredSession session(std::int64_t user_id, std::string digest, std::string address = "a") {
    core::StoredSession s;
    s.token_digest = std::move(digest);
    s.grant.user_id = user_id;
    s.grant.interface = core::Interface::restapi;
    s.grant.client_ip = "192.0.2.1";
    s.grant.factors = {core::Factor::password};
    s.grant.password_digest = "pd";
    s.address_key = std::move(address);
    s.created_at = 10;
    s.last_used_at = 10;
    s.expires_at = 1000;
    return s;
}

TEST_P(ContractTest, SessionsRoundTripAndEnd) {
    const auto u = user("alice");
    auto s = session(u.id, "t1");
    s.grant.two_factor_setup_only = true;
    store_->create_session(s);
    ASSERT_GT(s.id, 0);
    auto got = store_->find_session("t1");
    ASSERT_TRUE(got);
    EXPECT_EQ(got->grant.user_id, u.id);
    EXPECT_EQ(got->grant.factors, (std::set<core::Factor>{core::Factor::password}));
    EXPECT_TRUE(got->grant.two_factor_setup_only);
    EXPECT_TRUE(store_->end_two_factor_setup("t1"));
    EXPECT_FALSE(store_->end_two_factor_setup("t1"));
    got = store_->find_session("t1");
    EXPECT_FALSE(got->grant.two_factor_setup_only);
    EXPECT_TRUE(got->grant.factors.contains(core::Factor::second_factor));
    store_->touch_session(s.id, 50);
    store_->touch_session(s.id, 40);  // never backwards
    EXPECT_EQ(store_->find_session("t1")->last_used_at, 50);
    auto old = session(u.id, "t2");
    store_->create_session(old);
    EXPECT_EQ(store_->count_sessions(u.id), 2);
    const auto live = store_->count_live_sessions(20, 45);
    ASSERT_EQ(live.size(), 1u);
    EXPECT_EQ(live[0], std::make_pair(core::Interface::restapi, 1));
    EXPECT_EQ(store_->delete_ended_sessions(20, 45), 1);
    EXPECT_TRUE(store_->delete_session("t1"));
    EXPECT_FALSE(store_->delete_session("t1"));
    EXPECT_EQ(store_->count_sessions(u.id), 0);
}

TEST_P(ContractTest, UserWritesEndTheSessionsTheyRevoke) {
    auto u = user("alice");
    u.password_hash = "h1";
    store_->update_user(u);
    auto s = session(u.id, "p");
    store_->create_session(s);
    auto k = session(u.id, "k");
    k.grant.password_digest = "";
    store_->create_session(k);
    u.email = "a@example.com";
    store_->update_user(u);
    EXPECT_EQ(store_->count_sessions(u.id), 2);  // nothing they rest on changed
    u.password_hash = "h2";
    store_->update_user(u);
    EXPECT_FALSE(store_->find_session("p"));  // logged in with the old password
    EXPECT_TRUE(store_->find_session("k"));
    u.disabled = true;
    store_->update_user(u);
    EXPECT_EQ(store_->count_sessions(u.id), 0);
    u.disabled = false;
    store_->update_user(u);
    auto here = session(u.id, "here", "192.0.2.1");
    auto there = session(u.id, "there", "198.51.100.1");
    store_->create_session(here);
    store_->create_session(there);
    store_->lock_user_from(u.id, "192.0.2.1", 500);
    EXPECT_FALSE(store_->find_session("here"));
    EXPECT_TRUE(store_->find_session("there"));
    EXPECT_EQ(store_->user_locked_from(u.id, "192.0.2.1", 100), 500);
    EXPECT_FALSE(store_->user_locked_from(u.id, "192.0.2.1", 500));
    store_->clear_user_address_locks(u.id);
    EXPECT_FALSE(store_->user_locked_from(u.id, "192.0.2.1", 100));
    u.lockout_expires = 900;
    store_->update_user(u);
    EXPECT_EQ(store_->count_sessions(u.id), 0);
}

TEST_P(ContractTest, LoginFailuresCountWithinTheWindowPerAddress) {
    const auto u = user("alice");
    store_->add_login_failure(u.id, "192.0.2.1", 100);
    store_->add_login_failure(u.id, "192.0.2.1", 110);
    store_->add_login_failure(u.id, "192.0.2.2", 120);
    EXPECT_EQ(store_->count_login_failures(u.id, 100, ""), 2);  // exactly one window old: out
    EXPECT_EQ(store_->count_login_failures(u.id, 0, "192.0.2.1"), 2);
    store_->clear_login_failures(u.id, "192.0.2.1");
    EXPECT_EQ(store_->count_login_failures(u.id, 0, ""), 1);
    store_->clear_login_failures(u.id, "");
    EXPECT_EQ(store_->count_login_failures(u.id, 0, ""), 0);
}

TEST_P(ContractTest, IpScoresStartOverAfterTheirWindow) {
    EXPECT_EQ(store_->add_ip_score("192.0.2.1", 3, 1000, 60), 3);
    EXPECT_EQ(store_->add_ip_score("192.0.2.1", 2, 1030, 60), 5);
    EXPECT_EQ(store_->add_ip_score("192.0.2.1", 1, 1060, 60), 1);  // the window began 60 s ago
    store_->clear_ip_score("192.0.2.1");
    EXPECT_EQ(store_->add_ip_score("192.0.2.1", 4, 1061, 60), 4);
}

TEST_P(ContractTest, BansAndListsAndTheirRefusals) {
    core::IpBan ban;
    ban.ip = "192.0.2.1";
    ban.reason = "scan";
    ban.created_at = 10;
    ban.expires_at = 100;
    store_->save_ip_ban(ban);
    ASSERT_GT(ban.id, 0);
    const auto first_id = ban.id;
    ban.offences = 2;
    ban.expires_at = 200;
    store_->save_ip_ban(ban);  // replaces by address
    EXPECT_EQ(ban.id, first_id);
    EXPECT_EQ(store_->find_ip_ban("192.0.2.1")->offences, 2);
    EXPECT_EQ(store_->count_ban_refusal(ban.id), 1);
    EXPECT_EQ(store_->count_ban_refusal(ban.id), 2);
    EXPECT_EQ(store_->list_ip_bans(150).size(), 1u);
    EXPECT_TRUE(store_->list_ip_bans(200).empty());
    EXPECT_EQ(store_->list_ip_bans(std::nullopt).size(), 1u);
    EXPECT_TRUE(store_->delete_ip_ban("192.0.2.1"));
    EXPECT_FALSE(store_->find_ip_ban("192.0.2.1"));

    core::IpListEntry e{0, core::IpListKind::block, "198.51.100.0/24", "n", 5, 0};
    store_->add_ip_list_entry(e);
    ASSERT_GT(e.id, 0);
    core::IpListEntry again = e;
    EXPECT_THROW(store_->add_ip_list_entry(again), Conflict);
    core::IpListEntry safe{0, core::IpListKind::safe, "198.51.100.0/24", "", 5, 0};
    store_->add_ip_list_entry(safe);  // the same CIDR on the other list
    EXPECT_EQ(store_->count_list_refusal(e.id), 1);
    EXPECT_EQ(store_->list_ip_list(std::nullopt).size(), 2u);
    EXPECT_EQ(store_->list_ip_list(core::IpListKind::block).at(0).refusals, 1);
    EXPECT_TRUE(store_->delete_ip_list_entry(core::IpListKind::block, "198.51.100.0/24"));
    EXPECT_EQ(store_->list_ip_list(std::nullopt).size(), 1u);
}

TEST_P(ContractTest, TheOutboxHandsARowToOneSenderAtATime) {
    core::OutboxMail m;
    m.kind = "reset";
    m.recipient = "Alice@Example.com";
    m.subject = "s";
    m.body_text = "t";
    m.body_html = "h";
    m.next_attempt_at = 100;
    m.created_at = 90;
    store_->enqueue_mail(m);
    EXPECT_FALSE(store_->claim_due_mail(99, 200));  // not due yet
    auto claimed = store_->claim_due_mail(100, 200);
    ASSERT_TRUE(claimed);
    EXPECT_EQ(claimed->attempts, 1);
    EXPECT_EQ(claimed->state, core::MailState::sending);
    EXPECT_FALSE(store_->claim_due_mail(150, 300));  // leased
    claimed = store_->claim_due_mail(200, 300);      // the lease ran out: its sender died
    ASSERT_TRUE(claimed);
    EXPECT_EQ(claimed->attempts, 2);
    claimed->state = core::MailState::sent;
    claimed->sent_at = 210;
    store_->finish_mail(*claimed);
    EXPECT_FALSE(store_->claim_due_mail(1000, 2000));
    EXPECT_EQ(store_->list_mail(core::MailState::sent, 10).size(), 1u);
    EXPECT_TRUE(store_->list_mail(core::MailState::queued, 10).empty());
    EXPECT_EQ(store_->count_recent_mail("reset", "alice@example.COM", std::nullopt, 90), 1);
    EXPECT_EQ(store_->count_recent_mail("reset", "", std::nullopt, 91), 0);
    EXPECT_TRUE(store_->list_mail(std::nullopt, 10, m.id).empty());
}

TEST_P(ContractTest, TokensRemindersJobsAndTemplates) {
    const auto u = user("alice");
    core::MailToken t{0, "digest", u.id, "reset", "phd", 10, 100, std::nullopt};
    store_->create_mail_token(t);
    EXPECT_EQ(store_->find_mail_token("digest")->user_id, u.id);
    EXPECT_TRUE(store_->use_mail_token(t.id, 20));
    EXPECT_FALSE(store_->use_mail_token(t.id, 21));
    EXPECT_EQ(store_->find_mail_token("digest")->used_at, 20);
    EXPECT_TRUE(store_->record_reminder(u.id, 7, 1000, 5));
    EXPECT_FALSE(store_->record_reminder(u.id, 7, 1000, 6));
    EXPECT_TRUE(store_->record_reminder(u.id, 7, 2000, 6));
    EXPECT_TRUE(store_->claim_job("purge", "node-a", 100, 200));
    EXPECT_FALSE(store_->claim_job("purge", "node-b", 150, 250));
    EXPECT_TRUE(store_->claim_job("purge", "node-a", 150, 250));  // renewed by its holder
    EXPECT_TRUE(store_->claim_job("purge", "node-b", 250, 350));  // expired
    EXPECT_FALSE(store_->find_mail_template("reset"));
    store_->save_mail_template({"reset", "S", "T", "H", 1});
    store_->save_mail_template({"reset", "S2", "T2", "H2", 2});
    EXPECT_EQ(store_->find_mail_template("reset")->subject, "S2");
    EXPECT_TRUE(store_->delete_mail_template("reset"));
    EXPECT_FALSE(store_->delete_mail_template("reset"));
}

TEST_P(ContractTest, SecondFactorsClaimEachCodeOnce) {
    const auto u = user("alice");
    const std::string secret("\x00\x01\xff\x80 secret\n", 12);  // any bytes
    store_->begin_totp({u.id, secret, false, 0, 10});
    EXPECT_FALSE(store_->claim_totp_step(u.id, 5));  // not confirmed
    EXPECT_TRUE(store_->confirm_totp(u.id, 5));
    EXPECT_FALSE(store_->confirm_totp(u.id, 6));
    const auto got = store_->find_totp(u.id);
    ASSERT_TRUE(got);
    EXPECT_EQ(got->secret, secret);
    EXPECT_TRUE(got->confirmed);
    EXPECT_TRUE(store_->find_user(u.id)->active_2fa);
    EXPECT_THROW(store_->begin_totp({u.id, "x", false, 0, 11}), Conflict);
    EXPECT_FALSE(store_->claim_totp_step(u.id, 5));  // the confirming code's step
    EXPECT_TRUE(store_->claim_totp_step(u.id, 6));
    EXPECT_FALSE(store_->claim_totp_step(u.id, 6));
    store_->replace_recovery_codes(u.id, {"r1", "r2"});
    EXPECT_EQ(store_->count_recovery_codes(u.id), 2);
    EXPECT_TRUE(store_->use_recovery_code(u.id, "r1", 30));
    EXPECT_FALSE(store_->use_recovery_code(u.id, "r1", 31));
    EXPECT_EQ(store_->count_recovery_codes(u.id), 1);
    core::WebAuthnKey k;
    k.user_id = u.id;
    k.name = "yubikey";
    k.credential_id = std::string("\x01\x02\x00\x03", 4);
    k.public_key_der = std::string("\x30\x00\x59", 3);
    k.algorithm = -7;
    k.sign_count = 5;
    k.created_at = 40;
    store_->add_webauthn_key(k);
    core::WebAuthnKey dup = k;
    EXPECT_THROW(store_->add_webauthn_key(dup), Conflict);
    const auto keys = store_->list_webauthn_keys(u.id);
    ASSERT_EQ(keys.size(), 1u);
    EXPECT_EQ(keys[0].credential_id, k.credential_id);
    EXPECT_EQ(keys[0].public_key_der, k.public_key_der);
    EXPECT_FALSE(store_->use_webauthn_key(k.id, 5, 50));  // a counter that did not grow
    EXPECT_TRUE(store_->use_webauthn_key(k.id, 6, 50));
    store_->reset_second_factors(u.id);
    EXPECT_FALSE(store_->find_totp(u.id));
    EXPECT_TRUE(store_->list_webauthn_keys(u.id).empty());
    EXPECT_EQ(store_->count_recovery_codes(u.id), 0);
    EXPECT_FALSE(store_->find_user(u.id)->active_2fa);
}

TEST_P(ContractTest, RightsVersionMovesWithWhatRightsRestOn) {
    auto v = store_->rights_version();
    auto moved = [&] {
        const auto now = store_->rights_version();
        const bool changed = now != v;
        v = now;
        return changed;
    };
    auto u = user("alice");
    u.disabled = true;
    store_->update_user(u);
    EXPECT_TRUE(moved());
    core::IpBan ban;
    ban.ip = "192.0.2.9";
    ban.expires_at = 100;
    store_->save_ip_ban(ban);
    EXPECT_TRUE(moved());
    auto s = store_->load_site_settings();
    s.password_min_length = 20;
    store_->save_site_settings(s);
    EXPECT_TRUE(moved());
}

BOTH_BACKENDS(ContractTest);

}  // namespace
}  // namespace drawbridge::store
