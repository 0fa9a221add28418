// The outbox's state machine and its claims in a real SQLite store (docs/mail.md#outbox).
#include <gtest/gtest.h>

#include "mail/message.h"
#include "mail/outbox.h"
#include "unit/auth/gate_fixture.h"

namespace drawbridge::testing {
namespace {

using core::MailState;

// Stands in for the relay: answers as told and keeps what it got.
class FakeRelay final : public mail::Transport {
  public:
    mail::RelayAnswer answer{true, false, ""};
    std::vector<std::string> messages;
    mail::RelayAnswer send(const core::SiteSettings&, const std::string&, const std::string&,
                           const std::string& message) override {
        messages.push_back(message);
        return answer;
    }
};

class OutboxTest : public GateTest {
  protected:
    void SetUp() override {
        GateTest::SetUp();
        auto s = store_->load_site_settings();
        s.smtp_address = "relay.example.com";
        store_->save_site_settings(s);
        outbox_ = std::make_unique<mail::Outbox>(*store_, clock_);
    }
    core::OutboxMail row(std::int64_t id) {
        for (const auto& m : store_->list_mail(std::nullopt, 100))
            if (m.id == id) return m;
        ADD_FAILURE() << "no mail " << id;
        return {};
    }
    std::unique_ptr<mail::Outbox> outbox_;
    FakeRelay relay_;
};

TEST(Backoff, DoublesUpToItsCap) {
    EXPECT_EQ(mail::Backoff::delay_after(1), 2);
    EXPECT_EQ(mail::Backoff::delay_after(2), 4);
    EXPECT_EQ(mail::Backoff::delay_after(5), 32);
    EXPECT_EQ(mail::Backoff::delay_after(30), mail::Backoff::kMaxRetry);
}

TEST(AfterAttempt, SentFailedOrQueuedAgain) {
    core::OutboxMail m;
    m.attempts = 1;
    m.state = MailState::sending;
    auto sent = mail::after_attempt(m, {true, false, ""}, 100);
    EXPECT_EQ(sent.state, MailState::sent);
    EXPECT_EQ(sent.sent_at, 100);
    auto retry = mail::after_attempt(m, {false, false, "connection refused"}, 100);
    EXPECT_EQ(retry.state, MailState::queued);
    EXPECT_EQ(retry.next_attempt_at, 102);
    EXPECT_EQ(retry.last_error, "connection refused");
    auto refused = mail::after_attempt(m, {false, true, "550 no such user"}, 100);
    EXPECT_EQ(refused.state, MailState::failed);
    m.attempts = mail::Backoff::kMaxAttempts;
    EXPECT_EQ(mail::after_attempt(m, {false, false, "timeout"}, 100).state, MailState::failed);
}

TEST_F(OutboxTest, DeliversOnceAndMarksSent) {
    const auto m = outbox_->enqueue("test", std::nullopt, "bob@example.com", {"Hi", "text", "<p>"});
    EXPECT_EQ(row(m.id).state, MailState::queued);
    EXPECT_TRUE(outbox_->deliver_one(relay_));
    EXPECT_EQ(row(m.id).state, MailState::sent);
    EXPECT_FALSE(outbox_->deliver_one(relay_));  // nothing left: sent once
    EXPECT_EQ(relay_.messages.size(), 1u);
}

TEST_F(OutboxTest, RetriesWithBackoffWhileTheRelayIsDown) {
    const auto m = outbox_->enqueue("test", std::nullopt, "bob@example.com", {"Hi", "t", "h"});
    relay_.answer = {false, false, "Couldn't connect to server"};
    EXPECT_TRUE(outbox_->deliver_one(relay_));
    EXPECT_EQ(row(m.id).state, MailState::queued);
    EXPECT_EQ(row(m.id).last_error, "Couldn't connect to server");
    EXPECT_FALSE(outbox_->deliver_one(relay_));  // not due yet
    clock_.advance(2);
    relay_.answer = {true, false, ""};
    EXPECT_TRUE(outbox_->deliver_one(relay_));
    const auto done = row(m.id);
    EXPECT_EQ(done.state, MailState::sent);
    EXPECT_EQ(done.attempts, 2);
}

TEST_F(OutboxTest, NothingIsSentWithoutARelay) {
    auto s = store_->load_site_settings();
    s.smtp_address = "";
    store_->save_site_settings(s);
    outbox_->enqueue("test", std::nullopt, "bob@example.com", {"Hi", "t", "h"});
    EXPECT_FALSE(outbox_->deliver_one(relay_));
    EXPECT_TRUE(relay_.messages.empty());
}

// A sender that died after its claim: the lease runs out and the row is taken again.
TEST_F(OutboxTest, AClaimIsHeldUntilItsLeaseRunsOut) {
    const auto m = outbox_->enqueue("test", std::nullopt, "bob@example.com", {"Hi", "t", "h"});
    const auto first = store_->claim_due_mail(kNow, kNow + 300);
    ASSERT_TRUE(first);
    EXPECT_EQ(first->id, m.id);
    EXPECT_FALSE(store_->claim_due_mail(kNow + 10, kNow + 310));  // another sender: nothing
    const auto again = store_->claim_due_mail(kNow + 300, kNow + 600);
    ASSERT_TRUE(again);
    EXPECT_EQ(again->attempts, 2);
}

TEST_F(OutboxTest, RefusesAnAddressThatCannotBeSentTo) {
    for (const char* bad : {"", "bob", "a@b@c", "bob@example.com\r\nRCPT TO:<x@y>", "<a@b>"})
        EXPECT_THROW(outbox_->enqueue("test", std::nullopt, bad, {"s", "t", "h"}),
                     std::invalid_argument)
            << bad;
}

TEST(Message, HeadersCannotBeInjected) {
    core::OutboxMail m;
    m.id = 7;
    m.created_at = 1000;
    m.recipient = "bob@example.com";
    m.subject = "Hello\r\nBcc: eve@example.com";
    m.body_text = "line\r\n.\r\nQUIT";
    const auto text = mail::build_message(m, "no-reply@example.com", "example.com", 1000);
    EXPECT_EQ(text.find("\r\nBcc:"), std::string::npos);
    EXPECT_NE(text.find("Subject: Hello  Bcc: eve@example.com\r\n"), std::string::npos);
    EXPECT_EQ(text.find("\r\n.\r\n"), std::string::npos);  // bodies are base64
    EXPECT_NE(text.find("Message-ID: <drawbridge-7-1000@example.com>"), std::string::npos);
}

TEST(Message, NonAsciiSubjectsAreEncodedWords) {
    core::OutboxMail m;
    m.recipient = "bob@example.com";
    m.subject = "Passwort läuft ab";
    const auto text = mail::build_message(m, "a@example.com", "example.com", 0);
    EXPECT_NE(text.find("Subject: =?UTF-8?B?"), std::string::npos);
}

}  // namespace
}  // namespace drawbridge::testing
