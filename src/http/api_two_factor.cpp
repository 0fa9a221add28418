// The REST routes of two-factor authentication (docs/two-factor.md): the second step of
// POST /sessions, the current user's own factors (/me/2fa...), security keys (WebAuthn, verified
// by core::webauthn) and an administrator's reset. Rules live in auth::SecondFactors and the
// gate; these parse, call and format.
#include <ctime>

#include "core/crypto.h"
#include "core/webauthn.h"
#include "http/api.h"
#include "http/api_internal.h"
#include "http/failure_wire.h"
#include "http/router.h"
#include "http/web_session.h"
#include "views/json.h"

namespace drawbridge::http {

using nlohmann::json;
using namespace apiutil;
namespace webauthn = core::webauthn;

namespace {

constexpr int kWebAuthnTimeoutMs = PartialLogins::kLifetime * 1000;

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
    if (!s.webauthn.empty()) m.push_back("webauthn");
    return m;
}

// The relying party id of security keys: the site's host name, without a port.
std::string rp_id_of(const core::SiteSettings& site) {
    return site.site_hostname.substr(0, site.site_hostname.find(':'));
}

// The relying party of a request: the site's host name, and the origin of the page that asks,
// which must be on that host (docs/two-factor.md#security-keys). WebAuthn binds a key to the
// host it was registered on.
std::optional<webauthn::RelyingParty> relying_party(const Request& req, const Services& services,
                                                    Response& error) {
    const auto site = services.gate.site_settings();
    const std::string host = rp_id_of(site);
    const std::string origin(req.header("origin"));
    for (const std::string scheme : {"https://", "http://"}) {
        const std::string base = scheme + host;
        if (!origin.starts_with(base)) continue;
        const std::string_view rest = std::string_view(origin).substr(base.size());
        const bool port_only =
            rest.empty() || (rest[0] == ':' && rest.size() > 1 &&
                             rest.find_first_not_of("0123456789", 1) == std::string_view::npos);
        // Browsers allow WebAuthn over plain http only on localhost.
        if (port_only && (scheme == "https://" || host == "localhost"))
            return webauthn::RelyingParty{host, origin};
    }
    error = api_error(400,
                      "security keys work on this site's host name only: open the web "
                      "interface at https://" +
                          site.site_hostname + " (site_hostname), not at '" + origin + "'");
    return std::nullopt;
}

std::string user_handle(const core::User& user) {
    return webauthn::base64url_encode("drawbridge-user-" + std::to_string(user.id));
}

json credential_list(const std::vector<core::WebAuthnKey>& keys) {
    json out = json::array();
    for (const auto& k : keys)
        out.push_back(
            {{"type", "public-key"}, {"id", webauthn::base64url_encode(k.credential_id)}});
    return out;
}

// A base64url field of a WebAuthn answer, decoded; nullopt with a 400 in `error`.
std::optional<std::string> b64_field(const json& obj, const char* name, Response& error) {
    const auto it = obj.find(name);
    if (it != obj.end() && it->is_string())
        if (auto raw = webauthn::base64url_decode(it->get<std::string>());
            raw && raw->size() <= webauthn::kMaxInput)
            return raw;
    error = api_error(400, std::string("webauthn: ") + name + ": expected base64url text");
    return std::nullopt;
}

}  // namespace

// The password was right and a code is due: the sign-in waits for it, under an id of its own.
Response Api::two_factor_required_reply(const core::LoginOutcome& outcome,
                                        const core::LoginAttempt& attempt) {
    if (outcome.missing != core::Factor::second_factor)
        return api_login_refusal(
            services_.gate.refuse_partial(attempt.interface, attempt.username, attempt.client_ip,
                                          outcome, "the REST API has no second step for it"));
    const auto status = services_.second_factors.status(*outcome.user);
    PartialLogins::Entry entry;
    entry.username = attempt.username;
    entry.user_id = outcome.user->id;
    entry.verified = outcome.verified;
    entry.interface = attempt.interface;
    entry.client_ip = attempt.client_ip;
    if (!status.webauthn.empty()) entry.challenge = core::crypto::random_bytes(32);
    const std::string challenge = entry.challenge;
    const std::string id = services_.partial_logins.add(std::move(entry), std::time(nullptr));
    json j = json::parse(login_error_json(
        core::FailureReason::second_factor_required,
        "send the code from the authenticator app (or a recovery code) as otp, with this "
        "partial_session_id, within " +
            std::to_string(PartialLogins::kLifetime / 60) + " minutes"));
    j["data"] = {{"partial_session_id", id}, {"methods", methods_of(status)}};
    // The request options of navigator.credentials.get(), base64url where WebAuthn has bytes.
    if (!challenge.empty())
        j["data"]["webauthn"] = {{"challenge", webauthn::base64url_encode(challenge)},
                                 {"rpId", rp_id_of(services_.gate.site_settings())},
                                 {"timeout", kWebAuthnTimeoutMs},
                                 {"userVerification", "preferred"},
                                 {"allowCredentials", credential_list(status.webauthn)}};
    return Response(401, "application/json", j.dump() + "\n");
}

Response Api::sessions_second_step(Request& req, const json& body, bool for_web) {
    const auto id = optional_text(body, "partial_session_id");
    if (!id || id->empty()) return api_error(400, "partial_session_id: expected a string");
    const auto otp = optional_text(body, "otp");
    const auto answer = body.find("webauthn");
    const bool by_key = answer != body.end() && !answer->is_null();
    if (!by_key && (!otp || otp->empty()))
        return api_error(400,
                         "otp: expected the code from the authenticator app or a recovery code "
                         "(or webauthn: a security key's answer)");
    const auto entry = services_.partial_logins.find(*id, req.peer_ip, std::time(nullptr));
    const auto interface = for_web ? core::Interface::web : core::Interface::restapi;
    if (!entry || entry->interface != interface)
        return api_error(
            401, "this sign-in is no longer waiting for a code (it lasts " +
                     std::to_string(PartialLogins::kLifetime / 60) + " minutes and takes " +
                     std::to_string(PartialLogins::kMaxFailures) + " wrong codes): sign in again");
    core::Credential credential = core::OneTimeCodeCredential{otp.value_or("")};
    if (by_key) {
        Response error;
        auto key = webauthn_credential(req, *answer, entry->challenge, error);
        if (!key) return error;
        credential = std::move(*key);
    }
    core::LoginAttempt attempt{entry->username,       interface,       req.peer_ip,
                               std::move(credential), entry->verified, entry->user_id};
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

std::optional<core::Credential> Api::webauthn_credential(const Request& req, const json& answer,
                                                         const std::string& challenge,
                                                         Response& error) {
    if (!answer.is_object()) {
        error =
            api_error(400, "webauthn: expected {id, clientDataJSON, authenticatorData, signature}");
        return std::nullopt;
    }
    if (challenge.empty()) {
        error = api_error(400, "webauthn: this sign-in offered no security key");
        return std::nullopt;
    }
    const auto rp = relying_party(req, services_, error);
    if (!rp) return std::nullopt;
    core::WebAuthnCredential c;
    for (auto [field, name] :
         {std::pair{&c.credential_id, "id"}, std::pair{&c.client_data_json, "clientDataJSON"},
          std::pair{&c.authenticator_data, "authenticatorData"},
          std::pair{&c.signature, "signature"}}) {
        auto raw = b64_field(answer, name, error);
        if (!raw) return std::nullopt;
        *field = std::move(*raw);
    }
    c.expected_challenge = challenge;
    c.rp_id = rp->id;
    c.origin = rp->origin;
    return c;
}

Response Api::me_2fa_webauthn_options(Request& req) {
    Response error;
    const auto rp = relying_party(req, services_, error);
    if (!rp) return error;
    const auto& user = login_.user();
    PartialLogins::Entry entry;
    entry.username = user.username;
    entry.user_id = user.id;
    entry.interface = login_.interface();
    entry.client_ip = req.peer_ip;
    entry.challenge = core::crypto::random_bytes(32);
    const std::string challenge = entry.challenge;
    const std::string id = services_.key_registrations.add(std::move(entry), std::time(nullptr));
    json params = json::array();
    for (int alg : {webauthn::kES256, webauthn::kEdDSA, webauthn::kRS256})
        params.push_back({{"type", "public-key"}, {"alg", alg}});
    const auto site = services_.gate.site_settings();
    return json_reply(
        200,
        {{"registration_id", id},
         {"publicKey",
          {{"challenge", webauthn::base64url_encode(challenge)},
           {"rp", {{"id", rp->id}, {"name", site.site_hostname}}},
           {"user",
            {{"id", user_handle(user)}, {"name", user.username}, {"displayName", user.username}}},
           {"pubKeyCredParams", params},
           {"timeout", kWebAuthnTimeoutMs},
           {"attestation", "none"},
           {"authenticatorSelection",
            {{"userVerification", "preferred"}, {"residentKey", "discouraged"}}},
           {"excludeCredentials", credential_list(services_.store.list_webauthn_keys(user.id))}}}});
}

Response Api::me_2fa_webauthn_add(Request& req) {
    auto body = body_object(req);
    if (!body) return api_error(400, "expected {registration_id, name, credential}");
    const auto id = optional_text(*body, "registration_id");
    const auto name = optional_text(*body, "name");
    if (!id || id->empty()) return api_error(400, "registration_id: expected a string");
    if (!name) return api_error(400, "name: expected a string");
    const auto cred = body->find("credential");
    if (cred == body->end() || !cred->is_object())
        return api_error(400, "credential: expected {id, clientDataJSON, attestationObject}");
    Response error;
    const auto rp = relying_party(req, services_, error);
    if (!rp) return error;
    const auto entry = services_.key_registrations.find(*id, req.peer_ip, std::time(nullptr));
    if (!entry || entry->user_id != login_.user().id)
        return api_error(400, "registration_id: unknown or expired (it lasts " +
                                  std::to_string(PartialLogins::kLifetime / 60) +
                                  " minutes): begin again");
    services_.key_registrations.remove(*id);  // one answer per challenge
    const auto raw_id = b64_field(*cred, "id", error);
    const auto client_data = raw_id ? b64_field(*cred, "clientDataJSON", error) : std::nullopt;
    const auto attestation =
        client_data ? b64_field(*cred, "attestationObject", error) : std::nullopt;
    if (!attestation) return error;
    const auto result =
        webauthn::verify_registration(*client_data, *attestation, entry->challenge, *rp, false);
    if (const auto* e = std::get_if<webauthn::Error>(&result))
        return api_error(400, "the security key's answer was refused: " + e->message);
    const auto& registered = std::get<webauthn::Registered>(result);
    if (registered.credential_id != *raw_id)
        return api_error(400, "credential.id is not the id the key attested");
    core::WebAuthnKey key;
    key.name = *name;
    key.credential_id = registered.credential_id;
    key.public_key_der = registered.public_key_der;
    key.algorithm = registered.algorithm;
    key.sign_count = registered.sign_count;
    return guarded([&] {
        const auto codes = services_.second_factors.add_security_key(
            login_.user(), key, {login_.interface(), req.peer_ip});
        if (login_.two_factor_setup_only())
            services_.sessions.end_two_factor_setup(cookie_value(req, kWebCookie));
        const auto keys = services_.store.list_webauthn_keys(login_.user().id);
        json out = {{"id", keys.empty() ? 0 : keys.back().id}, {"name", key.name}};
        if (!codes.empty()) out["recovery_codes"] = codes;
        auto r = json_reply(201, out);
        r.set("Cache-Control", "no-store");
        return r;
    });
}

Response Api::me_2fa_webauthn_delete(Request& req) {
    const std::string& text = params_.at("id");
    std::int64_t id = 0;
    for (char c : text) {
        if (c < '0' || c > '9' || text.size() > 18) return api_error(400, "id: expected a number");
        id = id * 10 + (c - '0');
    }
    return guarded([&] {
        try {
            services_.second_factors.remove_security_key(login_.user(), id,
                                                         {login_.interface(), req.peer_ip});
        } catch (const auth::NoSuchKey& e) {
            return api_error(404, e.what());
        }
        return Response(204);
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
