// Values of the mail module as the store keeps them (docs/mail.md): outbox rows and the
// single-use tokens of sign-up and reset links.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/types.h"

namespace drawbridge::core {

// queued: waiting (first try or a retry at next_attempt_at); sending: claimed by a sender until
// next_attempt_at (its lease); sent: the relay accepted it; failed: given up (last_error says why).
enum class MailState { queued, sending, sent, failed };
std::string_view to_string(MailState s);
std::optional<MailState> parse_mail_state(std::string_view s);

struct OutboxMail {
    std::int64_t id = 0;
    std::string kind;  // welcome, signup, reset, reminder, test
    std::optional<std::int64_t> user_id;
    std::string recipient;
    std::string subject;
    std::string body_text;
    std::string body_html;
    MailState state = MailState::queued;
    int attempts = 0;
    UnixTime next_attempt_at = 0;
    std::string last_error;  // the relay's answer or libcurl's error, never a secret
    UnixTime created_at = 0;
    std::optional<UnixTime> sent_at;
};

// A sign-up or reset link's token as stored: its SHA-256, never the token. It is bound to the
// password hash the user had when it was issued, so any password change voids it.
struct MailToken {
    std::int64_t id = 0;
    std::string token_digest;
    std::int64_t user_id = 0;
    std::string purpose;  // signup, reset
    std::string password_hash_digest;
    UnixTime created_at = 0;
    UnixTime expires_at = 0;
    std::optional<UnixTime> used_at;
};

// An administrator's text of one kind of mail (docs/mail.md#templates).
struct MailTemplateText {
    std::string kind;
    std::string subject;
    std::string text;
    std::string html;
    UnixTime updated_at = 0;
};

}  // namespace drawbridge::core
