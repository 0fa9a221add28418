// The REST routes of two-factor authentication (docs/two-factor.md): the second step of
// POST /sessions, the current user's own factors (/me/2fa...), and an administrator's reset.
// Rules live in auth::SecondFactors and the gate; these parse, call and format.
#include <ctime>

#include "http/api.h"
#include "http/api_internal.h"
#include "http/failure_wire.h"
#include "http/router.h"
#include "http/web_session.h"
#include "views/json.h"

namespace drawbridge::http {

using nlohmann::json;
using namespace apiutil;

namespace {

// The code of a body ({code}); nullopt with a 400 in `error` when absent or not a string.
std::optional<std::string> code_of(const Request& req, Response& error) {
    auto body = body_object(req);
    const auto code = body ? optional_text(*body, "code") : std::nullopt;
    if (!code || code->empty()) {
        error = api_error(400,
                          "code: expected the code the authenticator app shows now, or a "
                          "recovery code");
        return std::nullopt;
    }
    return code;
}

// The methods a waiting sign-in may finish with, for the sign-in page to offer.
json methods_of(const auth::TwoFactorStatus& s) {
    json m = json::array();
    if (s.totp) m.push_back("totp");
    if (s.recovery_codes_left > 0) m.push_back("recovery_code");
    return m;
}

}  // namespace

// The password was right and a code is due: the sign-in waits for it, under an id of its own.
Response Api::two_factor_required_reply(const core::LoginOutcome& outcome,
                                        const core::LoginAttempt& attempt) {
    if (outcome.missing != core::Factor::second_factor)
        return api_login_refusal(
            services_.gate.refuse_partial(attempt.interface, attempt.username, attempt.client_ip,
                                          outcome, "the REST API has no second step for it"));
    const auto now = std::time(nullptr);
    PartialLogins::Entry entry;
    entry.username = attempt.username;
    entry.user_id = outcome.user->id;
    entry.verified = outcome.verified;
    entry.interface = attempt.interface;
    entry.client_ip = attempt.client_ip;
    const std::string id = services_.partial_logins.add(std::move(entry), now);
    json j = json::parse(login_error_json(
        core::FailureReason::second_factor_required,
        "send the code from the authenticator app (or a recovery code) as otp, with this "
        "partial_session_id, within " +
            std::to_string(PartialLogins::kLifetime / 60) + " minutes"));
    j["data"] = {{"partial_session_id", id},
                 {"methods", methods_of(services_.second_factors.status(*outcome.user))}};
    return Response(401, "application/json", j.dump() + "\n");
}

Response Api::sessions_second_step(Request& req, const json& body, bool for_web) {
    const auto id = optional_text(body, "partial_session_id");
    if (!id || id->empty()) return api_error(400, "partial_session_id: expected a string");
    const auto otp = optional_text(body, "otp");
    if (!otp || otp->empty())
        return api_error(400,
                         "otp: expected the code from the authenticator app, or a recovery "
                         "code");
    const auto entry = services_.partial_logins.find(*id, req.peer_ip, std::time(nullptr));
    const auto interface = for_web ? core::Interface::web : core::Interface::restapi;
    if (!entry || entry->interface != interface)
        return api_error(
            401, "this sign-in is no longer waiting for a code (it lasts " +
                     std::to_string(PartialLogins::kLifetime / 60) + " minutes and takes " +
                     std::to_string(PartialLogins::kMaxFailures) + " wrong codes): sign in again");
    core::LoginAttempt attempt{entry->username, interface,
                               req.peer_ip,     core::OneTimeCodeCredential{*otp},
                               entry->verified, entry->user_id};
    attempt.multi_step = true;
    const auto outcome = login_.attempt(attempt, req);
    if (outcome.ok())
        services_.partial_logins.remove(*id);
    else
        services_.partial_logins.failed(*id);
    return session_reply(outcome, for_web);
}

Response Api::me_2fa(Request&) {
    const auto s = services_.second_factors.status(login_.user());
    json keys = json::array();
    for (const auto& k : s.webauthn)
        keys.push_back({{"id", k.id},
                        {"name", k.name},
                        {"created_at", core::format_time(k.created_at)},
                        {"last_used_at", k.last_used_at ? json(core::format_time(*k.last_used_at))
                                                        : json(nullptr)}});
    return json_reply(200, {{"required", s.required},
                            {"totp", s.totp},
                            {"recovery_codes_left", s.recovery_codes_left},
                            {"webauthn", keys}});
}

Response Api::me_2fa_totp_begin(Request&) {
    return guarded([&] {
        const auto site = services_.gate.site_settings();
        const auto setup = services_.second_factors.begin_totp(login_.user(), site.site_hostname);
        auto r = json_reply(201, {{"secret", setup.secret_base32},
                                  {"otpauth_uri", setup.otpauth_uri},
                                  {"qr_svg", setup.qr_svg}});
        r.set("Cache-Control", "no-store");
        return r;
    });
}

Response Api::me_2fa_totp_confirm(Request& req) {
    Response error;
    const auto code = code_of(req, error);
    if (!code) return error;
    return guarded([&] {
        const auto codes = services_.second_factors.confirm_totp(login_.user(), *code,
                                                                 {login_.interface(), req.peer_ip});
        // The user proved the password and now a code: a session made to set 2FA up is a full
        // one from here on.
        if (login_.two_factor_setup_only())
            services_.sessions.end_two_factor_setup(cookie_value(req, kWebCookie));
        auto r = json_reply(200, {{"recovery_codes", codes}});
        r.set("Cache-Control", "no-store");
        return r;
    });
}

Response Api::me_2fa_totp_delete(Request& req) {
    Response error;
    const auto code = code_of(req, error);
    if (!code) return error;
    return guarded([&] {
        services_.second_factors.turn_off_totp(login_.user(), *code,
                                               {login_.interface(), req.peer_ip});
        return Response(204);
    });
}

Response Api::me_2fa_recovery_codes(Request& req) {
    Response error;
    const auto code = code_of(req, error);
    if (!code) return error;
    return guarded([&] {
        const auto codes = services_.second_factors.new_recovery_codes(
            login_.user(), *code, {login_.interface(), req.peer_ip});
        auto r = json_reply(200, {{"recovery_codes", codes}});
        r.set("Cache-Control", "no-store");
        return r;
    });
}

Response Api::users_2fa_reset(Request& req) {
    Response error;
    const auto user = user_param(error);
    if (!user) return error;
    services_.second_factors.reset(*user, {core::Interface::restapi, req.peer_ip},
                                   "administrator " + login_.user().username);
    return Response(204);
}

}  // namespace drawbridge::http
