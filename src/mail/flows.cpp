#include "mail/flows.h"

#include "core/cidr.h"
#include "core/crypto.h"
#include "core/password_policy.h"
#include "mail/message.h"
#include "mail/templates.h"

namespace drawbridge::mail {
namespace {

using core::AuthMethod;

bool sets_own_password(AuthMethod m) {
    return m == AuthMethod::password || m == AuthMethod::password_with_imported_hash ||
           m == AuthMethod::password_and_ssh_key || m == AuthMethod::email_signup;
}

std::string lower(std::string_view v) {
    std::string out(v);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

}  // namespace

std::string new_link_token() {
    return core::crypto::to_hex(core::crypto::random_bytes(32));
}

std::string link_token_digest(std::string_view token) {
    return core::crypto::to_hex(core::crypto::sha256(token));
}

std::string password_binding(const core::User& user) {
    return core::crypto::to_hex(core::crypto::sha256("password:" + user.password_hash));
}

std::optional<std::string> token_refusal(const core::MailToken& token, const core::User* user,
                                         core::UnixTime now) {
    // One answer for every reason, so that a link reveals nothing about the account.
    const std::string invalid =
        "this link is not valid (used, expired or replaced); ask for a new one";
    if (!user || token.used_at || now >= token.expires_at || user->disabled) return invalid;
    if (!core::crypto::constant_time_equal(token.password_hash_digest, password_binding(*user)))
        return invalid;
    if (!sets_own_password(user->authentication_method)) return invalid;
    return std::nullopt;
}

std::map<std::string, std::string> Flows::base_values(const core::User& user) {
    const auto site = store_.load_site_settings();
    return {{"site_name", site.site_hostname},
            {"username", user.username},
            {"link", core::web_base_url(site) + std::string(kSignInPage)}};
}

Content Flows::render_kind(std::string_view kind,
                           const std::map<std::string, std::string>& values) {
    if (const auto t = store_.find_mail_template(std::string(kind)))
        return render(Template{t->kind, t->subject, t->text, t->html}, values);
    return render(default_template(kind), values);
}

std::vector<Flows::TemplateView> Flows::templates() {
    std::vector<TemplateView> out;
    for (const auto kind : template_kinds()) {
        if (auto t = store_.find_mail_template(std::string(kind))) {
            out.push_back({std::move(*t), true});
            continue;
        }
        const auto& d = default_template(kind);
        out.push_back({{std::string(d.kind), std::string(d.subject), std::string(d.text),
                        std::string(d.html), 0},
                       false});
    }
    return out;
}

void Flows::set_template(core::MailTemplateText t, const auth::Actor& actor) {
    if (auto e = template_refusal(t)) throw auth::AccountError(*e);
    t.updated_at = clock_.now();
    store_.save_mail_template(t);
    record(nullptr, "", "site_update", "mail template " + t.kind + " changed", actor);
}

void Flows::reset_template(const std::string& kind, const auth::Actor& actor) {
    if (auto e = template_refusal({kind, "x", "{{link}}", "{{link}}", 0});
        e && e->starts_with("no mail kind"))
        throw auth::AccountError(*e);
    store_.delete_mail_template(kind);
    record(nullptr, "", "site_update", "mail template " + kind + " back to the default", actor);
}

core::OutboxMail Flows::queue(std::string_view kind, const core::User& user,
                              std::map<std::string, std::string> values) {
    const auto content = render_kind(kind, values);
    core::OutboxMail m;
    try {
        m = outbox_.enqueue(std::string(kind), user.id, user.email, content);
    } catch (const std::invalid_argument& e) {
        throw auth::AccountError(e.what());
    }
    if (on_queued_) on_queued_();
    return m;
}

core::OutboxMail Flows::queue_link(std::string_view purpose, const core::User& user,
                                   core::UnixTime lifetime) {
    const auto token = new_link_token();
    core::MailToken t;
    t.token_digest = link_token_digest(token);
    t.user_id = user.id;
    t.purpose = std::string(purpose);
    t.password_hash_digest = password_binding(user);
    t.created_at = clock_.now();
    t.expires_at = t.created_at + lifetime;
    auto values = base_values(user);
    values["link"] =
        core::web_base_url(store_.load_site_settings()) + std::string(kSetPasswordPage) + token;
    values["expires_at"] = core::format_time(t.expires_at);
    core::OutboxMail m;
    store_.transaction([&] {
        store_.create_mail_token(t);
        m = queue(purpose, user, values);
    });
    return m;
}

void Flows::record(const core::User* user, std::string_view typed, std::string action,
                   std::string detail, const auth::Actor& actor) {
    core::ActionLogEntry e;
    e.created_at = clock_.now();
    if (user) e.user_id = user->id;
    e.username = user ? user->username : std::string(typed);
    e.ip = actor.ip;
    e.interface = actor.interface;
    e.action = std::move(action);
    e.detail = std::move(detail);
    log_.record(std::move(e));
}

std::optional<core::OutboxMail> Flows::welcome(const core::User& user, const auth::Actor& actor) {
    if (!store_.load_site_settings().welcome_email_enabled || user.email.empty())
        return std::nullopt;
    if (!sets_own_password(user.authentication_method)) return std::nullopt;
    try {
        return resend_welcome(user.username, actor);
    } catch (const auth::AccountError&) {
        return std::nullopt;  // an address that cannot be sent to: the account stands
    }
}

core::OutboxMail Flows::resend_welcome(std::string_view username, const auth::Actor& actor) {
    const auto user = accounts_.get_user(username);
    if (user.email.empty()) throw auth::AccountError(user.username + " has no email address");
    if (!sets_own_password(user.authentication_method))
        throw auth::AccountError("authentication method '" +
                                 std::string(core::to_string(user.authentication_method)) +
                                 "' gets no welcome mail");
    const bool signup = user.authentication_method == AuthMethod::email_signup;
    const auto m = signup ? queue_link("signup", user, kSignupLinkLifetime)
                          : queue("welcome", user, base_values(user));
    record(&user, user.username, "mail_queue",
           std::string(signup ? "sign-up link" : "welcome mail") + " to " + user.email, actor);
    return m;
}

core::OutboxMail Flows::send_test(const std::string& to, const auth::Actor& actor) {
    core::User pseudo;
    pseudo.email = to;
    auto values = base_values(pseudo);
    core::OutboxMail m;
    try {
        m = outbox_.enqueue("test", std::nullopt, to, render_kind("test", values));
    } catch (const std::invalid_argument& e) {
        throw auth::AccountError(e.what());
    }
    if (on_queued_) on_queued_();
    record(nullptr, "", "mail_test", "test mail to " + to, actor);
    return m;
}

void Flows::request_reset(std::string_view who, const auth::Actor& actor) {
    const auto site = store_.load_site_settings();
    const std::string typed(who.substr(0, 254));
    auto refuse = [&](const core::User* user, const std::string& why) {
        record(user, typed, "password_reset_request", "no mail: " + why, actor);
    };
    if (site.disable_password_reset) return refuse(nullptr, "password reset is disabled");
    // Per client address, whatever was asked for: one client cannot mail many accounts, nor
    // probe names through the log's timing. Counted from the log, where every request is.
    if (client_requests(actor.ip) >= kResetRequestsPerClient)
        return refuse(nullptr, "rate limited (" + std::to_string(kResetRequestsPerClient) +
                                   " requests an hour per client address)");
    std::optional<core::User> user;
    if (typed.find('@') == std::string::npos) {
        user = store_.find_user_by_name(typed);
    } else {
        store::UserFilter f;
        f.search = typed;
        std::vector<core::User> same;
        for (auto& u : store_.list_users(f))
            if (lower(u.email) == lower(typed)) same.push_back(std::move(u));
        if (same.size() > 1)
            return refuse(nullptr,
                          "the address is shared by several users: the username is needed");
        if (same.size() == 1) user = std::move(same.front());
    }
    if (!user) return refuse(nullptr, "no such user");
    if (user->email.empty()) return refuse(&*user, "the user has no email address");
    if (user->disabled) return refuse(&*user, "the user is disabled");
    if (!sets_own_password(user->authentication_method))
        return refuse(&*user, "authentication method '" +
                                  std::string(core::to_string(user->authentication_method)) +
                                  "' has no password to reset");
    const auto since = clock_.now() - kResetWindow;
    if (store_.count_recent_mail("reset", "", user->id, since) >= kResetsPerWindow ||
        store_.count_recent_mail("reset", user->email, std::nullopt, since) >= kResetsPerWindow)
        return refuse(&*user, "rate limited (" + std::to_string(kResetsPerWindow) +
                                  " reset mails an hour per account and per address)");
    try {
        queue_link("reset", *user, kResetLinkLifetime);
    } catch (const auth::AccountError& e) {
        return refuse(&*user, e.what());
    }
    record(&*user, typed, "password_reset_request", "reset link sent to " + user->email, actor);
}

int Flows::client_requests(const std::string& ip) {
    // Not the CLI (no address), nor loopback: behind a local reverse proxy that does not speak
    // the PROXY protocol every client is 127.0.0.1, as for brute-force protection
    // (docs/login-gate.md#brute-force-protection).
    const auto address = core::IpAddress::parse(ip);
    if (!address || address->is_loopback()) return 0;
    core::ActionLogQuery q;
    q.action = "password_reset_request";
    q.ip = ip;
    q.since = clock_.now() - kResetWindow;
    q.limit = kResetRequestsPerClient;
    return static_cast<int>(log_.search(q).entries.size());
}

std::pair<core::MailToken, core::User> Flows::check_link(std::string_view token) {
    const auto stored = store_.find_mail_token(link_token_digest(token));
    const auto invalid = token_refusal(core::MailToken{}, nullptr, 0).value();
    if (!stored) throw auth::AccountError(invalid);
    const auto user = store_.find_user(stored->user_id);
    if (auto why = token_refusal(*stored, user ? &*user : nullptr, clock_.now()))
        throw auth::AccountError(*why);
    return {*stored, *user};
}

core::User Flows::use_link(std::string_view token, std::string_view password,
                           const auth::Actor& actor) {
    const auto invalid = token_refusal(core::MailToken{}, nullptr, 0).value();
    const auto link = check_link(token);
    const core::MailToken& stored = link.first;
    const core::User& user = link.second;
    core::User updated;
    // One transaction: a password the policy refuses leaves the link usable; two requests with
    // one link cannot both set a password.
    store_.transaction([&] {
        if (!store_.use_mail_token(stored.id, clock_.now())) throw auth::AccountError(invalid);
        updated = accounts_.set_password(user.username, password, false, actor);
    });
    record(
        &updated, updated.username, "password_reset",
        stored.purpose == "signup" ? "password set by sign-up link" : "password set by reset link",
        actor);
    return updated;
}

int Flows::send_reminders(const std::string& node_id) {
    const auto now = clock_.now();
    // Held a little longer than one run takes; another node takes over once it lapses.
    if (!store_.claim_job("password_reminders", node_id, now, now + 300)) return 0;
    const auto site = store_.load_site_settings();
    int queued = 0;
    store::UserFilter f;
    f.disabled = false;
    while (true) {
        const auto page = store_.list_users(f);
        for (const auto& user : page) {
            if (user.email.empty() || !user.password_set_at) continue;
            const auto expiry = core::password_expiry(user, site, now);
            if (!expiry.expire_at || expiry.expired || !expiry.days_remaining) continue;
            // The smallest threshold passed: after downtime one reminder catches up, and a
            // larger one never comes later for the same password.
            std::optional<int> due;
            for (int d : kReminderDays)
                if (*expiry.days_remaining <= d) due = d;
            if (!due) continue;
            auto values = base_values(user);
            values["days"] = std::to_string(*expiry.days_remaining);
            values["expires_at"] = core::format_time(*expiry.expire_at);
            values["link"] = core::web_base_url(site) + std::string(kChangePasswordPage);
            // The record and the mail commit together: neither a reminder lost nor one twice.
            try {
                store_.transaction([&] {
                    if (!store_.record_reminder(user.id, *due, *user.password_set_at, now)) return;
                    queue("reminder", user, values);
                    ++queued;
                });
            } catch (const auth::AccountError&) {
                // An address that cannot be sent to: nothing recorded, nothing sent.
            }
        }
        if (static_cast<int>(page.size()) < f.limit) break;
        f.after_username = page.back().username;
    }
    return queued;
}

}  // namespace drawbridge::mail
