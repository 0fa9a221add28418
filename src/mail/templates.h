// The texts of mail (docs/mail.md#templates): per kind a subject, a plain-text body and an
// HTML body with {{placeholders}}. The defaults ship here.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "mail/outbox.h"

namespace drawbridge::mail {

// welcome (a password user: the account exists), signup (an email_signup user: the link that
// sets the first password), reset (a recovery link), reminder (the password expires soon),
// test (mail test).
struct Template {
    std::string_view kind;
    std::string_view subject;
    std::string_view text;
    std::string_view html;
};

const Template& default_template(std::string_view kind);

// Replaces each {{name}} by its value (in the HTML part escaped for HTML); an unknown name is
// left out. Values are the site's and the user's: site_name, username, link, days, expires_at.
Content render(const Template& t, const std::map<std::string, std::string>& values);

}  // namespace drawbridge::mail
