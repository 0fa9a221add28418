// A mail as it goes to the relay (RFC 5322, MIME multipart/alternative with a plain-text and an
// HTML part), built from an outbox row. Nothing here does I/O.
#pragma once

#include <string>

#include "core/mail.h"

namespace drawbridge::mail {

// The Message-ID of an outbox row: the same on every attempt, so that a message delivered twice
// (docs/mail.md#once) is recognisable as one by the receiving side.
std::string message_id(const core::OutboxMail& mail, const std::string& domain);

// The whole message. Header values are one line each (CR and LF become spaces), the subject is
// an RFC 2047 encoded word when it is not plain ASCII, and both parts are base64, so that no
// text from a template or a user can add a header or end the data early.
std::string build_message(const core::OutboxMail& mail, const std::string& from,
                          const std::string& domain, core::UnixTime date);

// A mail address usable in SMTP's MAIL FROM / RCPT TO: one line, one '@', no spaces or angle
// brackets, at most 254 characters.
bool is_deliverable_address(const std::string& address);

}  // namespace drawbridge::mail
