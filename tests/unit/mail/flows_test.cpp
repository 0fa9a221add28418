// Welcome mail, sign-up and reset links, and expiry reminders (docs/mail.md#flows).
#include <gtest/gtest.h>

#include "mail/flows.h"
#include "mail/templates.h"
#include "unit/auth/gate_fixture.h"

namespace drawbridge::testing {
namespace {

using core::MailState;

class FlowsTest : public GateTest {
  protected:
    void SetUp() override {
        GateTest::SetUp();
        outbox_ = std::make_unique<mail::Outbox>(*store_, clock_);
        flows_ = std::make_unique<mail::Flows>(*store_, *log_, clock_, *accounts_, *outbox_);
        accounts_->on_user_created(
            [this](const core::User& u, const auth::Actor& a) { flows_->welcome(u, a); });
    }
    void TearDown() override {
        accounts_->on_user_created({});
        GateTest::TearDown();
    }
    core::User add(const std::string& name, const std::string& method, const std::string& email) {
        auth::NewUser spec{name, {{"authentication_method", method}, {"email", email}}, {}, {}};
        if (method == "password") spec.password = kGoodPassword;
        return accounts_->create_user(spec, {});
    }
    std::vector<core::OutboxMail> mail() { return store_->list_mail(std::nullopt, 100); }
    // The token of the newest mail's link (it is only in the mail).
    std::string token_in_newest() {
        const auto text = mail().front().body_text;
        const auto at = text.find("token=");
        EXPECT_NE(at, std::string::npos);
        return text.substr(at + 6, 64);
    }

    std::unique_ptr<mail::Outbox> outbox_;
    std::unique_ptr<mail::Flows> flows_;
};

TEST_F(FlowsTest, WelcomeMailByMethod) {
    add("pat", "password", "pat@example.com");
    add("sam", "email_signup", "sam@example.com");
    add("nob", "none", "nob@example.com");
    add("noaddress", "email_signup", "");
    const auto rows = mail();
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[1].kind, "welcome");
    EXPECT_EQ(rows[1].recipient, "pat@example.com");
    EXPECT_EQ(rows[1].body_text.find(kGoodPassword), std::string::npos);
    EXPECT_EQ(rows[0].kind, "signup");
    EXPECT_NE(rows[0].body_text.find("https://localhost/#/set-password?token="), std::string::npos);
}

TEST_F(FlowsTest, NoWelcomeWhenTurnedOff) {
    auto s = store_->load_site_settings();
    s.welcome_email_enabled = false;
    store_->save_site_settings(s);
    add("sam", "email_signup", "sam@example.com");
    EXPECT_TRUE(mail().empty());
    EXPECT_NO_THROW(flows_->resend_welcome("sam", {}));  // an administrator's resend still goes
    EXPECT_EQ(mail().size(), 1u);
}

TEST_F(FlowsTest, ASignupLinkSetsThePasswordOnce) {
    add("sam", "email_signup", "sam@example.com");
    const auto token = token_in_newest();
    // The store holds the digest only.
    EXPECT_FALSE(store_->find_mail_token(token));
    EXPECT_THROW(flows_->use_link(token, "short", {}), auth::AccountError);  // policy
    const auto user = flows_->use_link(token, kGoodPassword, {});
    EXPECT_EQ(user.authentication_method, core::AuthMethod::password);
    EXPECT_THROW(flows_->use_link(token, "Another-Good-Pass-7", {}), auth::AccountError);
}

TEST_F(FlowsTest, ALinkExpires) {
    add("sam", "email_signup", "sam@example.com");
    const auto token = token_in_newest();
    clock_.advance(mail::kSignupLinkLifetime);
    EXPECT_THROW(flows_->use_link(token, kGoodPassword, {}), auth::AccountError);
}

TEST_F(FlowsTest, APasswordChangeVoidsAResetLink) {
    add("pat", "password", "pat@example.com");
    flows_->request_reset("pat", {});
    ASSERT_EQ(mail().front().kind, "reset");
    const auto token = token_in_newest();
    accounts_->set_password("pat", "Changed-Elsewhere-42", false, {});
    EXPECT_THROW(flows_->use_link(token, kGoodPassword, {}), auth::AccountError);
}

TEST_F(FlowsTest, ResetByEmailNeedsTheUsernameWhenShared) {
    add("pat", "password", "team@example.com");
    add("kim", "password", "team@example.com");
    const auto before = mail().size();
    flows_->request_reset("team@example.com", {});
    EXPECT_EQ(mail().size(), before);
    flows_->request_reset("kim", {});
    EXPECT_EQ(mail().size(), before + 1);
    add("solo", "password", "Solo@Example.com");
    flows_->request_reset("solo@example.com", {});
    EXPECT_EQ(mail().front().recipient, "Solo@Example.com");
}

TEST_F(FlowsTest, ResetRequestsAreRateLimitedAndCanBeTurnedOff) {
    add("pat", "password", "pat@example.com");
    const auto before = mail().size();
    for (int i = 0; i < 5; ++i) flows_->request_reset("pat", {});
    EXPECT_EQ(mail().size(), before + mail::kResetsPerWindow);
    clock_.advance(mail::kResetWindow);
    auto s = store_->load_site_settings();
    s.disable_password_reset = true;
    store_->save_site_settings(s);
    flows_->request_reset("pat", {});
    EXPECT_EQ(mail().size(), before + mail::kResetsPerWindow);
}

TEST_F(FlowsTest, ResetRequestsAreLimitedPerClientAddress) {
    add("pat", "password", "pat@example.com");
    const auth::Actor visitor{core::Interface::restapi, "198.51.100.7"};
    for (int i = 0; i < mail::kResetRequestsPerClient; ++i)
        flows_->request_reset("ghost" + std::to_string(i), visitor);
    const auto before = mail().size();
    flows_->request_reset("pat", visitor);  // over the limit: nothing, whoever it names
    EXPECT_EQ(mail().size(), before);
    flows_->request_reset("pat", {core::Interface::restapi, "198.51.100.8"});
    EXPECT_EQ(mail().size(), before + 1);
    // Loopback (a local proxy without the PROXY header) is never limited.
    for (int i = 0; i < mail::kResetRequestsPerClient; ++i)
        flows_->request_reset("ghost", {core::Interface::restapi, "127.0.0.1"});
    flows_->request_reset("pat", {core::Interface::restapi, "127.0.0.1"});
    EXPECT_EQ(mail().size(), before + 2);
    clock_.advance(mail::kResetWindow + 1);
    flows_->request_reset("pat", visitor);  // the window has passed
    EXPECT_EQ(mail().size(), before + 3);
}

TEST_F(FlowsTest, CheckingALinkUsesNothingUp) {
    add("sam", "email_signup", "sam@example.com");
    const auto token = token_in_newest();
    const auto [link, user] = flows_->check_link(token);
    EXPECT_EQ(user.username, "sam");
    EXPECT_EQ(link.purpose, "signup");
    flows_->use_link(token, kGoodPassword, {});
    EXPECT_THROW(flows_->check_link(token), auth::AccountError);
    EXPECT_THROW(flows_->check_link(std::string(64, '0')), auth::AccountError);
}

TEST_F(FlowsTest, RemindersOncePerThresholdWithCatchUp) {
    auto s = store_->load_site_settings();
    s.password_validity_days = 30;
    store_->save_site_settings(s);
    add("pat", "password", "pat@example.com");
    add("bot", "password", "bot@example.com");
    accounts_->update_user("bot", {{"self_managed", "false"}}, {});
    const auto base = mail().size();
    EXPECT_EQ(flows_->send_reminders("node-a"), 0);  // 30 days left
    clock_.advance(3 * core::kSecondsPerDay);        // 27 left: the 28-day reminder
    EXPECT_EQ(flows_->send_reminders("node-a"), 1);
    EXPECT_EQ(flows_->send_reminders("node-a"), 0);  // not twice
    clock_.advance(20 * core::kSecondsPerDay);       // 7 left: 14 was missed, one mail catches up
    EXPECT_EQ(flows_->send_reminders("node-a"), 1);
    EXPECT_EQ(mail().size(), base + 2);
    EXPECT_EQ(mail().front().kind, "reminder");
    EXPECT_EQ(flows_->send_reminders("node-b"), 0);  // node-a holds the job
}

TEST(LinkTokens, DigestsAndRefusals) {
    const auto t = mail::new_link_token();
    EXPECT_EQ(t.size(), 64u);
    EXPECT_NE(t, mail::new_link_token());
    EXPECT_EQ(mail::link_token_digest(t).size(), 64u);
    core::User u;
    u.password_hash = "h1";
    core::MailToken tok;
    tok.password_hash_digest = mail::password_binding(u);
    tok.expires_at = 100;
    EXPECT_FALSE(mail::token_refusal(tok, &u, 99));
    EXPECT_TRUE(mail::token_refusal(tok, &u, 100));
    EXPECT_TRUE(mail::token_refusal(tok, nullptr, 99));
    auto used = tok;
    used.used_at = 50;
    EXPECT_TRUE(mail::token_refusal(used, &u, 99));
    auto changed = u;
    changed.password_hash = "h2";
    EXPECT_TRUE(mail::token_refusal(tok, &changed, 99));
    auto disabled = u;
    disabled.disabled = true;
    EXPECT_TRUE(mail::token_refusal(tok, &disabled, 99));
}

}  // namespace
}  // namespace drawbridge::testing

namespace drawbridge::testing {
namespace {

TEST_F(FlowsTest, AnAdministratorsTemplateIsUsedAndChecked) {
    core::MailTemplateText t{"welcome", "Welcome to {{site_name}}", "Hi {{username}}!",
                             "<p>Hi {{username}}!</p>", 0};
    flows_->set_template(t, {});
    add("pat", "password", "pat@example.com");
    EXPECT_EQ(mail().front().subject, "Welcome to localhost");
    EXPECT_EQ(mail().front().body_text, "Hi pat!");
    auto bad = t;
    bad.text = "Hi {{password}}";
    EXPECT_THROW(flows_->set_template(bad, {}), auth::AccountError);
    bad = t;
    bad.subject = "two\r\nlines";
    EXPECT_THROW(flows_->set_template(bad, {}), auth::AccountError);
    bad = {"reset", "Reset", "no link here", "<p>none</p>", 0};
    EXPECT_THROW(flows_->set_template(bad, {}), auth::AccountError);
    bad.kind = "spam";
    EXPECT_THROW(flows_->set_template(bad, {}), auth::AccountError);
    flows_->reset_template("welcome", {});
    EXPECT_FALSE(flows_->templates().front().custom);
}

TEST(Templates, ValuesAreEscapedInHtml) {
    const auto c = mail::render(mail::default_template("welcome"),
                                {{"username", "<b>x</b>"}, {"site_name", "s"}, {"link", "l"}});
    EXPECT_NE(c.html.find("&lt;b&gt;x&lt;/b&gt;"), std::string::npos);
    EXPECT_NE(c.text.find("<b>x</b>"), std::string::npos);
}

}  // namespace
}  // namespace drawbridge::testing
