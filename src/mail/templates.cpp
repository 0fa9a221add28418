#include "mail/templates.h"

#include <array>
#include <stdexcept>

#include "core/markup.h"

namespace drawbridge::mail {
namespace {

const std::array kDefaults = {
    Template{"welcome", "Your account on {{site_name}}",
             "Hello {{username}},\n\nAn account has been created for you on {{site_name}}.\n"
             "Your user name is {{username}}. Your administrator gives you your password; this "
             "mail does not contain it.\n\nSign in at {{link}}\n",
             "<p>Hello {{username}},</p><p>An account has been created for you on "
             "<b>{{site_name}}</b>. Your user name is <b>{{username}}</b>. Your administrator "
             "gives you your password; this mail does not contain it.</p>"
             "<p><a href=\"{{link}}\">Sign in</a></p>"},
    Template{"signup", "Set your password on {{site_name}}",
             "Hello {{username}},\n\nAn account has been created for you on {{site_name}}.\n"
             "Choose your password here (the link works once, until {{expires_at}}):\n\n"
             "{{link}}\n",
             "<p>Hello {{username}},</p><p>An account has been created for you on "
             "<b>{{site_name}}</b>.</p><p><a href=\"{{link}}\">Choose your password</a> (the "
             "link works once, until {{expires_at}}).</p>"},
    Template{"reset", "Reset your password on {{site_name}}",
             "Hello {{username}},\n\nSomeone asked to reset the password of {{username}} on "
             "{{site_name}}. If it was you, choose a new one here (the link works once, until "
             "{{expires_at}}):\n\n{{link}}\n\nIf it was not you, ignore this mail: your password "
             "stays as it is.\n",
             "<p>Hello {{username}},</p><p>Someone asked to reset the password of "
             "<b>{{username}}</b> on <b>{{site_name}}</b>. If it was you, "
             "<a href=\"{{link}}\">choose a new one</a> (the link works once, until "
             "{{expires_at}}).</p><p>If it was not you, ignore this mail: your password stays as "
             "it is.</p>"},
    Template{"reminder", "Your password on {{site_name}} expires in {{days}} days",
             "Hello {{username}},\n\nYour password on {{site_name}} expires on {{expires_at}} "
             "(in {{days}} days). Change it before then at {{link}}\n",
             "<p>Hello {{username}},</p><p>Your password on <b>{{site_name}}</b> expires on "
             "{{expires_at}} (in {{days}} days). <a href=\"{{link}}\">Change it</a> before "
             "then.</p>"},
    Template{"test", "Test mail from {{site_name}}",
             "This is a test mail from {{site_name}}: its SMTP settings work.\n",
             "<p>This is a test mail from <b>{{site_name}}</b>: its SMTP settings work.</p>"},
};

std::string fill(std::string_view text, const std::map<std::string, std::string>& values,
                 bool html) {
    std::string out;
    std::size_t i = 0;
    while (i < text.size()) {
        const auto open = text.find("{{", i);
        if (open == std::string_view::npos) break;
        const auto close = text.find("}}", open + 2);
        if (close == std::string_view::npos) break;
        out += text.substr(i, open - i);
        const auto it = values.find(std::string(text.substr(open + 2, close - open - 2)));
        if (it != values.end()) out += html ? core::markup_escape(it->second) : it->second;
        i = close + 2;
    }
    out += text.substr(std::min(i, text.size()));
    return out;
}

}  // namespace

const Template& default_template(std::string_view kind) {
    for (const auto& t : kDefaults)
        if (t.kind == kind) return t;
    throw std::invalid_argument("no mail template '" + std::string(kind) + "'");
}

std::vector<std::string_view> template_kinds() {
    std::vector<std::string_view> out;
    for (const auto& t : kDefaults) out.push_back(t.kind);
    return out;
}

namespace {
constexpr std::string_view kPlaceholders[] = {"site_name", "username", "link", "expires_at",
                                              "days"};

std::optional<std::string> unknown_placeholder(std::string_view text) {
    for (auto open = text.find("{{"); open != std::string_view::npos;
         open = text.find("{{", open + 2)) {
        const auto close = text.find("}}", open + 2);
        if (close == std::string_view::npos) return "a '{{' without its '}}'";
        const auto name = text.substr(open + 2, close - open - 2);
        bool known = false;
        for (auto p : kPlaceholders) known = known || p == name;
        if (!known)
            return "unknown placeholder {{" + std::string(name.substr(0, 40)) +
                   "}}; known: {{site_name}}, {{username}}, {{link}}, {{expires_at}}, {{days}}";
    }
    return std::nullopt;
}
}  // namespace

std::optional<std::string> template_refusal(const core::MailTemplateText& t) {
    bool known = false;
    for (auto k : template_kinds()) known = known || k == t.kind;
    if (!known)
        return "no mail kind '" + t.kind + "'; known: welcome, signup, reset, reminder, test";
    if (t.subject.empty() || t.subject.size() > 200 ||
        t.subject.find_first_of("\r\n") != std::string::npos)
        return "subject: one line of 1 to 200 characters";
    constexpr std::size_t kMaxBody = 64 * 1024;
    if (t.text.empty() || t.text.size() > kMaxBody || t.html.empty() || t.html.size() > kMaxBody)
        return "text and html: each 1 byte to 64 KiB";
    for (const auto* part : {&t.subject, &t.text, &t.html})
        if (auto e = unknown_placeholder(*part)) return e;
    // The links are the point of these mails: a text without them would strand the user.
    if ((t.kind == "signup" || t.kind == "reset") &&
        (t.text.find("{{link}}") == std::string::npos ||
         t.html.find("{{link}}") == std::string::npos))
        return t.kind + ": text and html must contain {{link}}";
    return std::nullopt;
}

Content render(const Template& t, const std::map<std::string, std::string>& values) {
    return {fill(t.subject, values, false), fill(t.text, values, false),
            fill(t.html, values, true)};
}

}  // namespace drawbridge::mail
