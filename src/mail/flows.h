// What sends mail and what its links do (docs/mail.md#flows): the welcome mail and sign-up
// link, password recovery, the use of a link to set a password, the test mail and expiry
// reminders. Every interface (CLI, REST API) calls these; none re-implements a rule.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "audit/action_log.h"
#include "auth/accounts.h"
#include "core/clock.h"
#include "mail/outbox.h"
#include "store/store.h"

namespace drawbridge::mail {

// Where links point (the web UI serves these pages): <web_base_url><kSetPasswordPage><token>.
inline constexpr std::string_view kSetPasswordPage = "/#/set-password?token=";
inline constexpr std::string_view kSignInPage = "/#/";
inline constexpr std::string_view kChangePasswordPage = "/#/account";

// Lifetimes of the links, and the limits of recovery requests within kResetWindow: reset mails
// per account and per mail address, and requests (whatever they named) per client address.
inline constexpr core::UnixTime kSignupLinkLifetime = 7 * 86400;
inline constexpr core::UnixTime kResetLinkLifetime = 3600;
inline constexpr core::UnixTime kResetWindow = 3600;
inline constexpr int kResetsPerWindow = 3;
inline constexpr int kResetRequestsPerClient = 10;
// Days before password_expire_at at which a reminder goes out.
inline constexpr int kReminderDays[] = {28, 14, 7, 1};

// A link token: random, shown only in the mail; the store keeps its SHA-256 (hex).
std::string new_link_token();
std::string link_token_digest(std::string_view token);
// The digest a token is bound to: any change of the password hash voids the token.
std::string password_binding(const core::User& user);

// Why a token cannot set a password, or nullopt when it can (at `now`, for `user` as stored).
std::optional<std::string> token_refusal(const core::MailToken& token, const core::User* user,
                                         core::UnixTime now);

class Flows {
  public:
    Flows(store::Store& store, audit::ActionLog& log, const core::Clock& clock,
          auth::Accounts& accounts, Outbox& outbox)
        : store_(store), log_(log), clock_(clock), accounts_(accounts), outbox_(outbox) {}

    // Called when something was queued (the sender then looks at once).
    void on_queued(std::function<void()> fn) { on_queued_ = std::move(fn); }

    // On user creation, when welcome_email_enabled and the user has an email: a password user
    // is told the account exists (never the password), an email_signup user gets a sign-up
    // link; none and sso users get nothing. Returns the mail written, if any.
    std::optional<core::OutboxMail> welcome(const core::User& user, const auth::Actor& actor);
    // The same on request; throws auth::AccountError saying why nothing can be sent.
    core::OutboxMail resend_welcome(std::string_view username, const auth::Actor& actor);
    core::OutboxMail send_test(const std::string& to, const auth::Actor& actor);

    // "Forgot your password?": `who` is a username or a mail address. Whatever exists, the
    // caller answers the same; what happened is in the action log only.
    void request_reset(std::string_view who, const auth::Actor& actor);
    // Sets the password of a sign-up or reset link under the site's policy and uses the link up;
    // throws auth::AccountError (an invalid link or a policy violation).
    core::User use_link(std::string_view token, std::string_view password,
                        const auth::Actor& actor);
    // The stored link of `token` and the user whose password it would set, without using it up
    // (the page the link opens checks the password against the policy as it is typed); throws
    // auth::AccountError with use_link's answer for a link that is not valid.
    std::pair<core::MailToken, core::User> check_link(std::string_view token);

    // The text of each kind of mail: the administrator's, or the default (`custom` false).
    struct TemplateView {
        core::MailTemplateText text;
        bool custom = false;
    };
    std::vector<TemplateView> templates();
    // Replaces a kind's text (checked by template_refusal; throws auth::AccountError), or goes
    // back to the default. Both are site_update in the action log.
    void set_template(core::MailTemplateText t, const auth::Actor& actor);
    void reset_template(const std::string& kind, const auth::Actor& actor);

    // Sends the expiry reminders that are due, when this node holds the job's claim; returns
    // how many were queued.
    int send_reminders(const std::string& node_id);

  private:
    Content render_kind(std::string_view kind, const std::map<std::string, std::string>& values);
    core::OutboxMail queue(std::string_view kind, const core::User& user,
                           std::map<std::string, std::string> values);
    core::OutboxMail queue_link(std::string_view purpose, const core::User& user,
                                core::UnixTime lifetime);
    std::map<std::string, std::string> base_values(const core::User& user);
    // Recovery requests from `ip` within kResetWindow (at most kResetRequestsPerClient).
    int client_requests(const std::string& ip);
    void record(const core::User* user, std::string_view typed, std::string action,
                std::string detail, const auth::Actor& actor);

    store::Store& store_;
    audit::ActionLog& log_;
    const core::Clock& clock_;
    auth::Accounts& accounts_;
    Outbox& outbox_;
    std::function<void()> on_queued_;
};

}  // namespace drawbridge::mail
