#include <chrono>

#include "core/password_hash.h"
#include "gate_fixture.h"

namespace drawbridge::testing {
namespace {

using core::AuthMethod;
using core::FailureReason;
using core::Interface;

TEST_F(GateTest, PasswordLoginSucceedsAndIsRecorded) {
    add_user("alice");
    const auto out = password("ALICE", kGoodPassword);
    ASSERT_TRUE(out.ok()) << out.detail;
    EXPECT_EQ(out.user->username, "alice");
    const auto e = last_entry();
    EXPECT_EQ(e.action, "login");
    EXPECT_EQ(e.failure_type, FailureReason::none);
    EXPECT_EQ(e.username, "ALICE");  // as typed
    EXPECT_EQ(e.interface, Interface::sftp);
    EXPECT_EQ(e.ip, "198.51.100.7");
    const auto u = store_->find_user_by_name("alice");
    EXPECT_EQ(u->last_login_at, kNow);
    EXPECT_EQ(u->last_sftp_login_at, kNow);
    EXPECT_FALSE(u->last_ftp_login_at);
}

core::LoginOutcome plain_ftp(auth::LoginGate& gate, const std::string& user,
                             const std::string& secret) {
    core::LoginAttempt a{user, Interface::ftp, "198.51.100.7", core::PasswordCredential{secret}, {},
                         {}};
    a.secure_transport = false;
    return gate.attempt(a);
}

TEST_F(GateTest, PlainFtpFollowsTheSiteAndTheUsersSslRequired) {
    add_user("alice");
    add_user("legacy");
    set("legacy", "ssl_required", "never_require");
    // The site requires TLS by default: known and unknown names get the same refusal, before
    // any hash is spent.
    for (const char* name : {"alice", "nobody"}) {
        const auto out = plain_ftp(*gate_, name, kGoodPassword);
        EXPECT_EQ(out.reason, FailureReason::insecure_ftp) << name;
        EXPECT_EQ(last_entry().failure_type, FailureReason::insecure_ftp);
    }
    EXPECT_TRUE(plain_ftp(*gate_, "legacy", kGoodPassword).ok());
    auto site = store_->load_site_settings();
    site.ssl_required = false;
    store_->save_site_settings(site);
    EXPECT_TRUE(plain_ftp(*gate_, "alice", kGoodPassword).ok());
    set("alice", "ssl_required", "always_require");
    EXPECT_EQ(plain_ftp(*gate_, "alice", kGoodPassword).reason, FailureReason::insecure_ftp);
    // TLS-protected logins are not concerned.
    EXPECT_TRUE(password("alice", kGoodPassword, Interface::ftp).ok());
}

core::LoginOutcome plain_http(auth::LoginGate& gate, Interface interface, const std::string& user,
                              core::Credential credential) {
    core::LoginAttempt a{user, interface, "198.51.100.7", std::move(credential), {}, {}};
    a.secure_transport = false;  // over http.plain_port
    return gate.attempt(a);
}

TEST_F(GateTest, PlainHttpFollowsTheSslRequiredOfTheSiteAndOfTheUserOrTheKeysUser) {
    add_user("alice");
    add_user("legacy");
    set("legacy", "ssl_required", "never_require");
    const auto alice_key = accounts_->create_api_key("alice", "ci", "", std::nullopt, {});
    const auto legacy_key = accounts_->create_api_key("legacy", "ci", "", std::nullopt, {});
    const auto pw = [](const char* s) { return core::Credential{core::PasswordCredential{s}}; };
    const auto key = [](const std::string& s) {
        return core::Credential{core::ApiKeyCredential{s}};
    };
    // WebDAV and REST get insecure_http (FTP keeps insecure_ftp), known name or not.
    for (auto interface : {Interface::dav, Interface::restapi}) {
        for (const char* name : {"alice", "nobody"}) {
            const auto out = plain_http(*gate_, interface, name, pw(kGoodPassword));
            EXPECT_EQ(out.reason, FailureReason::insecure_http) << name;
            const auto e = last_entry();
            EXPECT_EQ(e.failure_type, FailureReason::insecure_http);
            EXPECT_EQ(e.interface, interface);
            EXPECT_NE(e.detail.find("plain HTTP"), std::string::npos) << e.detail;
        }
        EXPECT_TRUE(plain_http(*gate_, interface, "legacy", pw(kGoodPassword)).ok());
    }
    EXPECT_EQ(plain_ftp(*gate_, "alice", kGoodPassword).reason, FailureReason::insecure_ftp);
    // An API key follows its user's setting, as a header or as "@api-<name>".
    EXPECT_EQ(plain_http(*gate_, Interface::restapi, "", key(alice_key.secret)).reason,
              FailureReason::insecure_http);
    EXPECT_TRUE(plain_http(*gate_, Interface::restapi, "", key(legacy_key.secret)).ok());
    EXPECT_TRUE(plain_http(*gate_, Interface::dav, "@api-ci", pw(legacy_key.secret.c_str())).ok());
    EXPECT_EQ(plain_http(*gate_, Interface::restapi, "", key("made-up")).reason,
              FailureReason::insecure_http);  // an unknown key: the site's rule
    // Not a guess: the refusals do not count toward a lock.
    EXPECT_FALSE(store_->find_user_by_name("alice")->lockout_expires);
    auto site = store_->load_site_settings();
    site.ssl_required = false;
    store_->save_site_settings(site);
    EXPECT_TRUE(plain_http(*gate_, Interface::dav, "alice", pw(kGoodPassword)).ok());
    set("alice", "ssl_required", "always_require");
    EXPECT_EQ(plain_http(*gate_, Interface::restapi, "", key(alice_key.secret)).reason,
              FailureReason::insecure_http);
}

TEST_F(GateTest, FailuresPushAnAddressBackInTheHashingQueue) {
    add_user("alice");
    EXPECT_EQ(gate_->queue_priority("198.51.100.7"), 0);  // never seen
    ASSERT_TRUE(password("alice", kGoodPassword).ok());
    EXPECT_LT(gate_->queue_priority("198.51.100.7"), 0);  // a clean record goes first
    password("alice", "Wrong-Horse-9-Battery");
    password("nobody", "Wrong-Horse-9-Battery");
    EXPECT_EQ(gate_->queue_priority("198.51.100.7"), 2);
    clock_.advance(11 * 60);  // forgotten after ten minutes
    EXPECT_EQ(gate_->queue_priority("198.51.100.7"), 0);
}

TEST_F(GateTest, UnknownUsernameIsRecordedWithoutUserId) {
    const auto out = password("nobody", "whatever");
    EXPECT_EQ(out.reason, FailureReason::username_not_found);
    const auto e = last_entry();
    EXPECT_EQ(e.action, "failedlogin");
    EXPECT_EQ(e.failure_type, FailureReason::username_not_found);
    EXPECT_FALSE(e.user_id);
    EXPECT_EQ(e.username, "nobody");
}

TEST_F(GateTest, WrongPasswordIsPasswordMismatch) {
    const auto u = add_user("alice");
    const auto out = password("alice", "Wrong-Horse-9-Battery");
    EXPECT_EQ(out.reason, FailureReason::password_mismatch);
    EXPECT_EQ(last_entry().user_id, u.id);
    EXPECT_EQ(last_entry().detail.find(kGoodPassword), std::string::npos);
    EXPECT_EQ(last_entry().detail.find("Wrong-Horse"), std::string::npos);  // no secret in the log
}

TEST_F(GateTest, SshKeyLoginMatchesOnlyRegisteredKeys) {
    add_user("alice");
    accounts_->add_ssh_key("alice", kAliceKey, "", {});
    EXPECT_EQ(key("alice", kOtherKey).reason, FailureReason::key_mismatch);
    const auto ok = key("alice", kAliceKey);
    ASSERT_TRUE(ok.ok()) << ok.detail;
    EXPECT_NE(last_entry().detail.find(kAliceFingerprint), std::string::npos);
    EXPECT_EQ(store_->list_ssh_keys(ok.user->id).front().last_login_at, kNow);
}

TEST_F(GateTest, SshKeysWorkOnlyOverSftp) {
    add_user("alice");
    accounts_->add_ssh_key("alice", kAliceKey, "", {});
    for (auto i : {Interface::ftp, Interface::dav, Interface::restapi, Interface::web})
        EXPECT_EQ(key("alice", kAliceKey, i).reason, FailureReason::method_not_allowed);
}

TEST_F(GateTest, ApiKeyAsPasswordByIdOrName) {
    add_user("bot", AuthMethod::none);
    const auto created = accounts_->create_api_key("bot", "nightly", "", std::nullopt, {});
    const std::string by_id = "@api-" + std::to_string(created.key.id);
    EXPECT_TRUE(password(by_id, created.secret, Interface::ftp).ok());
    EXPECT_TRUE(password("@api-nightly", created.secret, Interface::dav).ok());
    EXPECT_TRUE(password("@api-NIGHTLY", created.secret, Interface::sftp).ok());
    EXPECT_EQ(store_->find_api_key(created.key.id)->last_use_at, kNow);
    std::string wrong = created.secret;
    wrong[0] = wrong[0] == '0' ? '1' : '0';
    EXPECT_EQ(password("@api-nightly", wrong, Interface::ftp).reason,
              FailureReason::api_key_mismatch);
    EXPECT_EQ(password("@api-other", created.secret, Interface::ftp).reason,
              FailureReason::api_key_mismatch);
}

TEST_F(GateTest, ApiKeyInAHeader) {
    add_user("alice");
    const auto created = accounts_->create_api_key("alice", "ci", "", std::nullopt, {});
    auto out = gate_->attempt(
        {"", Interface::restapi, "198.51.100.7", core::ApiKeyCredential{created.secret}, {}, {}});
    ASSERT_TRUE(out.ok()) << out.detail;
    EXPECT_EQ(out.user->username, "alice");
    out = gate_->attempt(
        {"", Interface::restapi, "198.51.100.7", core::ApiKeyCredential{"nope"}, {}, {}});
    EXPECT_EQ(out.reason, FailureReason::api_key_mismatch);
}

TEST_F(GateTest, ExpiredApiKey) {
    add_user("alice");
    const auto created = accounts_->create_api_key("alice", "ci", "", kNow + 60, {});
    EXPECT_TRUE(password("@api-ci", created.secret, Interface::ftp).ok());
    clock_.advance(61);
    const auto out = password("@api-ci", created.secret, Interface::ftp);
    EXPECT_EQ(out.reason, FailureReason::api_key_expired);
    EXPECT_NE(out.detail.find("expired at"), std::string::npos);
}

TEST_F(GateTest, DisabledUserCannotLogInByAnyMeans) {
    add_user("alice");
    accounts_->add_ssh_key("alice", kAliceKey, "", {});
    const auto created = accounts_->create_api_key("alice", "ci", "", std::nullopt, {});
    accounts_->set_disabled("alice", true, {});
    EXPECT_EQ(password("alice", kGoodPassword).reason, FailureReason::disabled);
    EXPECT_EQ(key("alice", kAliceKey).reason, FailureReason::disabled);
    EXPECT_EQ(password("@api-ci", created.secret, Interface::ftp).reason, FailureReason::disabled);
}

TEST_F(GateTest, AccessExpiry) {
    add_user("alice", AuthMethod::password, {{"authenticate_until", "2026-11-20"}});
    EXPECT_TRUE(password("alice", kGoodPassword).ok());
    clock_.set(*core::parse_time("2026-11-20"));
    EXPECT_EQ(password("alice", kGoodPassword).reason, FailureReason::expired_access);
}

TEST_F(GateTest, PasswordChangeRequiredRefusesTheOriginalPasswordEverywhere) {
    add_user("alice", AuthMethod::password, {{"require_password_change", "true"}});
    for (auto i :
         {Interface::sftp, Interface::ftp, Interface::dav, Interface::restapi, Interface::web})
        EXPECT_EQ(password("alice", kGoodPassword, i).reason,
                  FailureReason::password_change_required);
    // Only someone who knows the password learns that it must change.
    EXPECT_EQ(password("alice", "Wrong-Horse-9-Battery").reason, FailureReason::password_mismatch);
    accounts_->set_password("alice", "Another-Good-Pass-42", false, {});
    EXPECT_TRUE(password("alice", "Another-Good-Pass-42").ok());
}

// The web is where such a password is changed (docs/login-gate.md#web-password-change): the
// refusal stands, with a grant that may only change the password; no other protocol gets one.
TEST_F(GateTest, AWebSignInWhosePasswordMustChangeGetsAChangeOnlyGrant) {
    add_user("alice", AuthMethod::password, {{"require_password_change", "true"}});
    for (auto i : {Interface::sftp, Interface::ftp, Interface::dav, Interface::restapi})
        EXPECT_FALSE(password("alice", kGoodPassword, i).grant) << core::to_string(i);
    const auto web = password("alice", kGoodPassword, Interface::web);
    EXPECT_FALSE(web.ok());
    EXPECT_EQ(web.reason, FailureReason::password_change_required);
    ASSERT_TRUE(web.grant);
    EXPECT_TRUE(web.grant->password_change_only);
    EXPECT_EQ(web.grant->interface, Interface::web);
    EXPECT_FALSE(password("alice", "Wrong-Horse-9-Battery", Interface::web).grant);
    set("alice", "require_password_change", "false");
    const auto full = password("alice", kGoodPassword, Interface::web);
    ASSERT_TRUE(full.ok());
    EXPECT_FALSE(full.grant->password_change_only);
}

TEST_F(GateTest, PasswordExpiryFollowsTheSiteAndIsSkippedForBots) {
    add_user("alice");
    add_user("bot", AuthMethod::password, {{"self_managed", "false"}});
    auto site = store_->load_site_settings();
    site.password_validity_days = 30;
    store_->save_site_settings(site);
    clock_.advance(29 * core::kSecondsPerDay);
    EXPECT_TRUE(password("alice", kGoodPassword).ok());
    clock_.advance(core::kSecondsPerDay);
    EXPECT_EQ(password("alice", kGoodPassword).reason, FailureReason::password_expired);
    EXPECT_TRUE(password("bot", kGoodPassword).ok());
    // A key is not a password: it still works.
    accounts_->add_ssh_key("alice", kAliceKey, "", {});
    EXPECT_TRUE(key("alice", kAliceKey).ok());
}

TEST_F(GateTest, EmailSignupUserHasNotCompletedSignup) {
    add_user("carol", AuthMethod::email_signup, {{"email", "carol@example.com"}});
    EXPECT_EQ(password("carol", "anything").reason, FailureReason::signup_incomplete);
    accounts_->set_password("carol", kGoodPassword, false, {});
    EXPECT_EQ(store_->find_user_by_name("carol")->authentication_method, AuthMethod::password);
    EXPECT_TRUE(password("carol", kGoodPassword).ok());
}

TEST_F(GateTest, MethodNotAllowed) {
    add_user("bot", AuthMethod::none);
    EXPECT_EQ(password("bot", "anything").reason, FailureReason::method_not_allowed);
    add_user("sso", AuthMethod::sso);
    EXPECT_EQ(password("sso", "anything", Interface::ftp).reason,
              FailureReason::method_not_allowed);
    add_user("both", AuthMethod::password_and_ssh_key);
    for (auto i : {Interface::ftp, Interface::dav, Interface::restapi, Interface::web})
        EXPECT_EQ(password("both", kGoodPassword, i).reason, FailureReason::method_not_allowed);
    const auto created = accounts_->create_api_key("both", "k", "", std::nullopt, {});
    EXPECT_EQ(password("@api-k", created.secret, Interface::sftp).reason,
              FailureReason::method_not_allowed);
    const auto web = accounts_->create_api_key("bot", "w", "", std::nullopt, {});
    EXPECT_EQ(password("@api-w", web.secret, Interface::web).reason,
              FailureReason::method_not_allowed);
}

TEST_F(GateTest, ProtocolPermissions) {
    const std::pair<Interface, std::pair<const char*, FailureReason>> cases[] = {
        {Interface::sftp, {"sftp_permission", FailureReason::no_sftp_permission}},
        {Interface::ftp, {"ftp_permission", FailureReason::no_ftp_permission}},
        {Interface::dav, {"dav_permission", FailureReason::no_dav_permission}},
        {Interface::restapi, {"restapi_permission", FailureReason::no_restapi_permission}},
        {Interface::web, {"web_permission", FailureReason::no_web_permission}},
    };
    add_user("alice");
    for (const auto& [interface, c] : cases) {
        set("alice", c.first, "false");
        EXPECT_EQ(password("alice", kGoodPassword, interface).reason, c.second);
        set("alice", c.first, "true");
        EXPECT_TRUE(password("alice", kGoodPassword, interface).ok());
    }
}

TEST_F(GateTest, SiteAndUserIpAllowLists) {
    add_user("alice");
    add_user("bob", AuthMethod::password, {{"allowed_ips", "203.0.113.0/24"}});
    add_user("carol", AuthMethod::password,
             {{"allowed_ips", "203.0.113.5"}, {"bypass_site_allowed_ips", "true"}});
    auto site = store_->load_site_settings();
    site.allowed_ips = "10.0.0.0/8,2001:db8::/32";
    store_->save_site_settings(site);

    EXPECT_EQ(password("alice", kGoodPassword, Interface::sftp, "198.51.100.7").reason,
              FailureReason::ip_mismatch);
    EXPECT_TRUE(password("alice", kGoodPassword, Interface::sftp, "10.1.2.3").ok());
    EXPECT_TRUE(password("alice", kGoodPassword, Interface::sftp, "2001:db8::1").ok());
    EXPECT_TRUE(password("alice", kGoodPassword, Interface::sftp, "::ffff:10.9.9.9").ok());
    // In the site list or the user's list.
    EXPECT_TRUE(password("bob", kGoodPassword, Interface::sftp, "203.0.113.9").ok());
    EXPECT_TRUE(password("bob", kGoodPassword, Interface::sftp, "10.0.0.1").ok());
    // The user's list alone decides.
    EXPECT_TRUE(password("carol", kGoodPassword, Interface::sftp, "203.0.113.5").ok());
    EXPECT_EQ(password("carol", kGoodPassword, Interface::sftp, "10.0.0.1").reason,
              FailureReason::ip_mismatch);
    // Unknown users get the same answer as known ones from a refused address.
    EXPECT_EQ(password("nobody", "x", Interface::sftp, "198.51.100.7").reason,
              FailureReason::ip_mismatch);
}

TEST_F(GateTest, UserIpListAppliesWithoutASiteList) {
    add_user("bob", AuthMethod::password, {{"allowed_ips", "203.0.113.0/24"}});
    EXPECT_EQ(password("bob", kGoodPassword, Interface::sftp, "198.51.100.7").reason,
              FailureReason::ip_mismatch);
    EXPECT_TRUE(password("bob", kGoodPassword, Interface::sftp, "203.0.113.1").ok());
}

TEST_F(GateTest, LockedOutEvenWithTheRightPassword) {
    auto u = add_user("alice");
    u = *store_->find_user(u.id);
    u.lockout_expires = kNow + 3600;
    store_->update_user(u);
    EXPECT_EQ(password("alice", kGoodPassword).reason, FailureReason::locked_out);
    clock_.advance(3600);
    EXPECT_TRUE(password("alice", kGoodPassword).ok());
    u = *store_->find_user(u.id);
    u.lockout_expires = kNow + 7200;
    store_->update_user(u);
    accounts_->unlock("alice", {});
    EXPECT_TRUE(password("alice", kGoodPassword).ok());
}

TEST_F(GateTest, RegionMismatchNamesTheSiteHost) {
    add_user("alice");
    auto site = store_->load_site_settings();
    site.allowed_region = "us-east";
    site.site_hostname = "files.example.com";
    store_->save_site_settings(site);
    const auto out = password("alice", kGoodPassword);
    EXPECT_EQ(out.reason, FailureReason::region_mismatch);
    EXPECT_EQ(out.detail,
              "Your account must login using a different server, https://files.example.com.");
    site.allowed_region = "eu-west";
    store_->save_site_settings(site);
    EXPECT_TRUE(password("alice", kGoodPassword).ok());
}

TEST_F(GateTest, PasswordAndKeyNeedsBothFactorsInEitherOrder) {
    const auto u = add_user("both", AuthMethod::password_and_ssh_key);
    accounts_->add_ssh_key("both", kAliceKey, "", {});
    const auto before = count_entries("login") + count_entries("failedlogin");

    auto first = password("both", kGoodPassword);
    ASSERT_EQ(first.kind, core::LoginOutcome::Kind::partial);
    EXPECT_EQ(first.missing, core::Factor::ssh_key);
    EXPECT_EQ(count_entries("login") + count_entries("failedlogin"), before);  // not yet recorded

    const auto space = std::string(kAliceKey).find(' ');
    core::PublicKeyCredential c{"ssh-ed25519",
                                *core::crypto::base64_decode(std::string(kAliceKey).substr(
                                    space + 1, std::string(kAliceKey).rfind(' ') - space - 1))};
    auto second =
        gate_->attempt({"both", Interface::sftp, "198.51.100.7", c, first.verified, u.id});
    ASSERT_TRUE(second.ok()) << second.detail;

    auto key_first = key("both", kAliceKey);
    ASSERT_EQ(key_first.kind, core::LoginOutcome::Kind::partial);
    EXPECT_EQ(key_first.missing, core::Factor::password);
    auto done = gate_->attempt({"both", Interface::sftp, "198.51.100.7",
                                core::PasswordCredential{kGoodPassword}, key_first.verified, u.id});
    EXPECT_TRUE(done.ok());
    // A factor verified for another account does not count.
    core::LoginAttempt other_user{"both",
                                  Interface::sftp,
                                  "198.51.100.7",
                                  core::PasswordCredential{kGoodPassword},
                                  key_first.verified,
                                  u.id + 100};
    other_user.multi_step = true;
    EXPECT_EQ(gate_->attempt(other_user).kind, core::LoginOutcome::Kind::partial);
}

TEST_F(GateTest, ImportedHashIsRestoredNativelyAfterFirstLogin) {
    add_user("mig", AuthMethod::none);
    // openssl passwd -6 -salt saltsalt 'Imported#Pass1'
    accounts_->import_password_hash(
        "mig",
        "$6$saltsalt$cwyt6hHsVy3matMcMolWI/"
        "fpiT1NjlZN26XhzMz0shKt0gcG.TqpUdDgmaMDIZJehFogAZalVcfOTrST9VdhX/",
        {});
    EXPECT_EQ(password("mig", "imported#pass1").reason, FailureReason::password_mismatch);
    ASSERT_TRUE(password("mig", "Imported#Pass1").ok());
    const auto u = store_->find_user_by_name("mig");
    EXPECT_EQ(u->authentication_method, AuthMethod::password);
    EXPECT_TRUE(core::is_native_hash(u->password_hash));
    EXPECT_TRUE(password("mig", "Imported#Pass1").ok());
}

TEST_F(GateTest, OlderIterationCountIsRehashed) {
    add_user("alice");
    const auto old_hash = store_->find_user_by_name("alice")->password_hash;
    open(2000);
    ASSERT_TRUE(password("alice", kGoodPassword).ok());
    const auto new_hash = store_->find_user_by_name("alice")->password_hash;
    EXPECT_NE(new_hash, old_hash);
    EXPECT_NE(new_hash.find("$2000$"), std::string::npos);
}

// The order of the checks is part of the design: network, identity, account state, method,
// then the credential, then the password's own state. Peel the failures off one at a time.
TEST_F(GateTest, ChecksRunInTheDocumentedOrder) {
    add_user("alice", AuthMethod::password,
             {{"allowed_ips", "10.0.0.0/8"},
              {"disabled", "true"},
              {"authenticate_until", "2026-01-01"},
              {"sftp_permission", "false"},
              {"require_password_change", "true"}});
    auto u = *store_->find_user_by_name("alice");
    u.lockout_expires = kNow + 3600;
    store_->update_user(u);
    auto site = store_->load_site_settings();
    site.allowed_region = "us-east";
    store_->save_site_settings(site);

    const auto expect = [&](FailureReason r) {
        EXPECT_EQ(password("alice", kGoodPassword).reason, r) << core::to_string(r);
    };
    expect(FailureReason::region_mismatch);
    site.allowed_region = "all";
    store_->save_site_settings(site);
    expect(FailureReason::ip_mismatch);
    set("alice", "allowed_ips", "");
    // The lock is decided after the credential (below): only its holder is told.
    expect(FailureReason::disabled);
    set("alice", "disabled", "false");
    expect(FailureReason::expired_access);
    set("alice", "authenticate_until", "never");
    expect(FailureReason::no_sftp_permission);
    set("alice", "sftp_permission", "true");
    const auto wrong = password("alice", "Wrong-Horse-9-Battery");
    EXPECT_EQ(wrong.reason, FailureReason::locked_out);
    EXPECT_EQ(wrong.shown, FailureReason::password_mismatch);
    expect(FailureReason::locked_out);
    accounts_->unlock("alice", {});
    EXPECT_EQ(password("alice", "Wrong-Horse-9-Battery").reason, FailureReason::password_mismatch);
    expect(FailureReason::password_change_required);
    set("alice", "require_password_change", "false");
    EXPECT_TRUE(password("alice", kGoodPassword).ok());
}

// Refusals decided before the credential must not pay for a password hash.
TEST_F(GateTest, NetworkAndAccountChecksRunBeforeAnyHashing) {
    add_user("alice");
    open(3000000);  // ~1 s per PBKDF2 on these machines
    auto site = store_->load_site_settings();
    site.allowed_ips = "10.0.0.0/8";
    store_->save_site_settings(site);
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < 5; ++i) {
        EXPECT_EQ(password("alice", "Wrong-Horse-9-Battery").reason, FailureReason::ip_mismatch);
        EXPECT_EQ(password("nobody", "x").reason, FailureReason::ip_mismatch);
    }
    const auto elapsed = std::chrono::steady_clock::now() - start;
    EXPECT_LT(elapsed, std::chrono::milliseconds(1000));
}

// A locked account costs a wrong guess what a wrong password costs, and answers it the same.
TEST_F(GateTest, LockedAccountCostsAndAnswersLikeAWrongPassword) {
    open(400000);
    add_user("alice");  // hashed at the gate's cost
    auto u = *store_->find_user_by_name("alice");
    u.lockout_expires = kNow + 3600;
    store_->update_user(u);
    auto time = [&](const char* user, core::LoginOutcome& out) {
        const auto start = std::chrono::steady_clock::now();
        out = password(user, "Wrong-Horse-9-Battery");
        return std::chrono::steady_clock::now() - start;
    };
    core::LoginOutcome locked, unknown;
    const auto locked_time = time("alice", locked);
    EXPECT_EQ(locked.reason, FailureReason::locked_out);  // the log's truth
    EXPECT_EQ(locked.shown, FailureReason::password_mismatch);
    EXPECT_EQ(last_entry().failure_type, FailureReason::locked_out);
    const auto unknown_time = time("nobody", unknown);
    EXPECT_EQ(unknown.shown, FailureReason::username_not_found);
    EXPECT_GT(locked_time * 2, unknown_time);
    EXPECT_GT(unknown_time * 2, locked_time);
    EXPECT_EQ(password("alice", kGoodPassword).shown, FailureReason::locked_out);
}

// An unknown username costs one dummy hash, so timing does not tell which names exist.
TEST_F(GateTest, UnknownUsernameCostsADummyHash) {
    add_user("alice");
    open(400000);
    auto time = [&](const char* user) {
        const auto start = std::chrono::steady_clock::now();
        password(user, "Wrong-Horse-9-Battery");
        return std::chrono::steady_clock::now() - start;
    };
    const auto known = time("alice");
    const auto unknown = time("nobody");
    EXPECT_GT(unknown * 2, known);
}

TEST_F(GateTest, ExplainListsEveryNonCredentialReasonAndRecordsNothing) {
    add_user("alice", AuthMethod::password_and_ssh_key,
             {{"disabled", "true"}, {"ftp_permission", "false"}, {"allowed_ips", "10.0.0.0/8"}});
    const auto before = count_entries("failedlogin") + count_entries("login");
    const auto reasons = gate_->explain("alice", Interface::ftp, "198.51.100.7");
    std::set<FailureReason> got;
    for (const auto& r : reasons) got.insert(r.refusal.reason);
    EXPECT_TRUE(got.contains(FailureReason::ip_mismatch));
    EXPECT_TRUE(got.contains(FailureReason::disabled));
    EXPECT_TRUE(got.contains(FailureReason::no_ftp_permission));
    EXPECT_TRUE(got.contains(FailureReason::method_not_allowed));
    EXPECT_EQ(count_entries("failedlogin") + count_entries("login"), before);

    add_user("bob");
    EXPECT_TRUE(gate_->explain("bob", Interface::sftp, "198.51.100.7").empty());
    const auto unknown = gate_->explain("ghost", Interface::sftp, "198.51.100.7");
    ASSERT_EQ(unknown.size(), 1u);
    EXPECT_EQ(unknown[0].refusal.reason, FailureReason::username_not_found);
}

TEST_F(GateTest, UnparsableClientAddressIsRefused) {
    add_user("alice");
    EXPECT_EQ(password("alice", kGoodPassword, Interface::sftp, "not-an-ip").reason,
              FailureReason::ip_mismatch);
}

}  // namespace
}  // namespace drawbridge::testing
