// The OpenAPI operations and schemas of the two-factor routes (api_two_factor.cpp).
#include "http/api_internal.h"
#include "http/api_openapi.h"

namespace drawbridge::http::openapi {
using nlohmann::json;

namespace {

json code_body() {
    return json_body(object(
        {{"code",
          {{"type", "string"},
           {"description", "the code the authenticator app shows now, or a recovery code"}}}},
        {"code"}));
}

}  // namespace

std::vector<Operation> two_factor_operations() {
    const json none = json::array();
    return {
        {"GET",
         "/me/2fa",
         "getTwoFactor",
         none,
         nullptr,
         {{"200", reply("the current user's factors", ref("TwoFactorStatus"))}}},
        {"POST",
         "/me/2fa/totp",
         "beginTotp",
         none,
         nullptr,
         {{"201", reply("a new secret, in force once confirmed", ref("TotpSetup"))}}},
        {"POST",
         "/me/2fa/totp/confirm",
         "confirmTotp",
         none,
         code_body(),
         {{"200",
           reply("the app is on; the recovery codes, shown this once", ref("RecoveryCodes"))}}},
        {"DELETE",
         "/me/2fa/totp",
         "deleteTotp",
         none,
         code_body(),
         {{"204", empty_reply("the app is off")}}},
        {"POST",
         "/me/2fa/recovery_codes",
         "newRecoveryCodes",
         none,
         code_body(),
         {{"200", reply("ten new codes; the old ones stop working", ref("RecoveryCodes"))}}},
        {"POST",
         "/me/2fa/webauthn/registration",
         "beginSecurityKey",
         none,
         nullptr,
         {{"200", reply("the options for navigator.credentials.create() (base64url bytes)",
                        ref("SecurityKeyOptions"))}}},
        {"POST",
         "/me/2fa/webauthn",
         "addSecurityKey",
         none,
         json_body(object({{"registration_id", {{"type", "string"}}},
                           {"name", {{"type", "string"}, {"description", "1 to 64 characters"}}},
                           {"credential", object({{"id", {{"type", "string"}}},
                                                  {"clientDataJSON", {{"type", "string"}}},
                                                  {"attestationObject", {{"type", "string"}}}},
                                                 {"id", "clientDataJSON", "attestationObject"})}},
                          {"registration_id", "name", "credential"})),
         {{"201", reply("registered", ref("SecurityKeyAdded"))}}},
        {"DELETE",
         "/me/2fa/webauthn/{id}",
         "deleteSecurityKey",
         none,
         nullptr,
         {{"204", empty_reply("removed")}}},
        {"POST",
         "/users/{id}/2fa/reset",
         "resetTwoFactor",
         none,
         nullptr,
         {{"204", empty_reply("the user's factors are gone")}}},
    };
}

void add_two_factor_schemas(json& s) {
    const json text_schema{{"type", "string"}};
    s["TwoFactorStatus"] = closed_object(
        {{"required", {{"type", "boolean"}, {"description", "require_2fa asks it of this user"}}},
         {"totp", {{"type", "boolean"}, {"description", "an authenticator app is on"}}},
         {"recovery_codes_left", {{"type", "integer"}, {"minimum", 0}}},
         {"webauthn", array_of(closed_object({{"id", id_schema()},
                                              {"name", text_schema},
                                              {"created_at", time_schema()},
                                              {"last_used_at", nullable(time_schema())}}))}});
    s["TotpSetup"] = closed_object(
        {{"secret", {{"type", "string"}, {"description", "base32, to type into the app"}}},
         {"otpauth_uri", text_schema},
         {"qr_svg", {{"type", "string"}, {"description", "the URI as a QR code (SVG)"}}}});
    s["RecoveryCodes"] = closed_object({{"recovery_codes", array_of(text_schema)}});
    s["SecurityKeyOptions"] = closed_object(
        {{"registration_id", text_schema},
         {"publicKey",
          {{"type", "object"},
           {"description", "PublicKeyCredentialCreationOptions, bytes as base64url"}}}});
    s["SecurityKeyAdded"] = {
        {"type", "object"},
        {"properties",
         {{"id", id_schema()},
          {"name", text_schema},
          {"recovery_codes",
           {{"type", "array"},
            {"items", text_schema},
            {"description", "when it is the user's first factor: shown this once"}}}}},
        {"required", {"id", "name"}}};
    // The 401 of a sign-in waiting for its code carries what the second step needs.
    s["Error"]["properties"]["data"] = {
        {"type", "object"},
        {"description",
         "not-authorized/two-factor-authentication-required: partial_session_id and methods"},
        {"properties",
         {{"partial_session_id", text_schema},
          {"methods", array_of(string_enum({"totp", "recovery_code", "webauthn"}))}}}};
}

}  // namespace drawbridge::http::openapi
