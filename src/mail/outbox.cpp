#include "mail/outbox.h"

#include <spdlog/spdlog.h>

#include <stdexcept>

#include "mail/message.h"

namespace drawbridge::mail {

core::UnixTime Backoff::delay_after(int attempts) {
    core::UnixTime d = kFirstRetry;
    for (int i = 1; i < attempts && d < kMaxRetry; ++i) d *= 2;
    return std::min(d, kMaxRetry);
}

core::OutboxMail after_attempt(core::OutboxMail mail, const RelayAnswer& answer,
                               core::UnixTime now) {
    if (answer.delivered) {
        mail.state = core::MailState::sent;
        mail.sent_at = now;
        mail.last_error.clear();
        return mail;
    }
    mail.last_error = answer.error;
    if (answer.permanent || mail.attempts >= Backoff::kMaxAttempts) {
        mail.state = core::MailState::failed;
        return mail;
    }
    mail.state = core::MailState::queued;
    mail.next_attempt_at = now + Backoff::delay_after(mail.attempts);
    return mail;
}

core::OutboxMail Outbox::enqueue(std::string kind, std::optional<std::int64_t> user_id,
                                 const std::string& to, const Content& content) {
    if (!is_deliverable_address(to))
        throw std::invalid_argument("'" + to + "' is not a mail address that can be sent to");
    core::OutboxMail m;
    m.kind = std::move(kind);
    m.user_id = user_id;
    m.recipient = to;
    m.subject = content.subject;
    m.body_text = content.text;
    m.body_html = content.html;
    m.created_at = clock_.now();
    m.next_attempt_at = m.created_at;
    store_.enqueue_mail(m);
    return m;
}

bool Outbox::deliver_one(Transport& transport) {
    const auto site = store_.load_site_settings();
    if (site.smtp_address.empty()) return false;
    const auto now = clock_.now();
    auto claimed = store_.claim_due_mail(now, now + Backoff::kLease);
    if (!claimed) return false;
    // The claim is committed before the relay is asked: if this process dies now, the lease
    // runs out and another attempt sends the message again (docs/mail.md#once).
    const auto host = site.site_hostname.substr(0, site.site_hostname.find(':'));
    const auto from = core::mail_from_address(site);
    const auto message = build_message(*claimed, from, host, now);
    const auto answer = transport.send(site, from, claimed->recipient, message);
    const auto done = after_attempt(*claimed, answer, clock_.now());
    store_.finish_mail(done);
    if (done.state == core::MailState::sent)
        spdlog::info("mail {} ({}) delivered to {}", done.id, done.kind, done.recipient);
    else
        spdlog::warn("mail {} ({}) to {}: attempt {} failed: {}{}", done.id, done.kind,
                     done.recipient, done.attempts, done.last_error,
                     done.state == core::MailState::failed ? " (given up)" : "");
    return true;
}

Sender::Sender(Outbox& outbox, std::unique_ptr<Transport> transport, std::function<void()> periodic,
               std::chrono::seconds period)
    : outbox_(outbox),
      transport_(std::move(transport)),
      periodic_(std::move(periodic)),
      period_(period),
      thread_([this] { run(); }) {}

Sender::~Sender() {
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
}

void Sender::wake() {
    {
        std::lock_guard lock(mutex_);
        woken_ = true;
    }
    cv_.notify_all();
}

void Sender::run() {
    std::unique_lock lock(mutex_);
    auto periodic_at = std::chrono::steady_clock::now();
    while (!stop_) {
        woken_ = false;
        lock.unlock();
        try {
            if (periodic_ && std::chrono::steady_clock::now() >= periodic_at) {
                periodic_at = std::chrono::steady_clock::now() + period_;
                periodic_();
            }
            while (outbox_.deliver_one(*transport_)) {
                std::lock_guard check(mutex_);
                if (stop_) break;
            }
        } catch (const std::exception& e) {
            spdlog::error("mail sender: {}", e.what());
        }
        lock.lock();
        cv_.wait_for(lock, std::chrono::seconds(1), [this] { return stop_ || woken_; });
    }
}

}  // namespace drawbridge::mail
