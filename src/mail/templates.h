// The texts of mail (docs/mail.md#templates): per kind a subject, a plain-text body and an
// HTML body with {{placeholders}}. The defaults ship here.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/mail.h"
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
// The kinds, in order: welcome, signup, reset, reminder, test.
std::vector<std::string_view> template_kinds();
// Why an administrator's text cannot be used (an unknown kind, a subject of more than one line
// or 200 characters, a body over 64 KiB, an unknown {{placeholder}}), or nullopt.
std::optional<std::string> template_refusal(const core::MailTemplateText& t);

// Replaces each {{name}} by its value (in the HTML part escaped for HTML); an unknown name is
// left out. Values are the site's and the user's: site_name, username, link, days, expires_at.
Content render(const Template& t, const std::map<std::string, std::string>& values);

}  // namespace drawbridge::mail
