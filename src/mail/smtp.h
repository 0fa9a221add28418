// Delivery of one message to the site's SMTP relay, through libcurl (docs/mail.md#delivery).
#pragma once

#include <string>

#include "core/site_settings.h"

namespace drawbridge::mail {

struct RelayAnswer {
    bool delivered = false;
    // The relay refused for good (a 5xx reply): retrying cannot help.
    bool permanent = false;
    // libcurl's error and the relay's reply code; never holds the relay password.
    std::string error;
};

// What sends a built message; a test can stand in for the relay.
class Transport {
  public:
    virtual ~Transport() = default;
    virtual RelayAnswer send(const core::SiteSettings& site, const std::string& from,
                             const std::string& to, const std::string& message) = 0;
};

// SMTP over libcurl with the site's smtp_* settings: smtp_security none (plain), starttls
// (STARTTLS required, refused if the relay does not offer it) or tls (implicit, smtps://);
// smtp_authentication plain or login forces that AUTH mechanism.
class SmtpTransport final : public Transport {
  public:
    SmtpTransport();
    RelayAnswer send(const core::SiteSettings& site, const std::string& from, const std::string& to,
                     const std::string& message) override;
};

}  // namespace drawbridge::mail
