// The REST API at /api/v1 (JSON): sessions, the current user, users (administrators), the
// action log, and the user's files. One route table drives dispatch and the OpenAPI document
// served at /api/v1/openapi.json, so that the two cannot drift.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "auth/accounts.h"
#include "auth/security_admin.h"
#include "core/login.h"
#include "http/message.h"
#include "vfs/file_session.h"

namespace drawbridge::http {

class Dav;
struct Services;

// What the API needs from the connection: the login of the request, and the user's files.
class ApiLogin {
  public:
    virtual ~ApiLogin() = default;
    // Authenticates by X-FilesAPI-Auth (a session) or X-FilesAPI-Key; nullopt when in.
    virtual std::optional<Response> login_api(const Request& req) = 0;
    virtual const core::User& user() const = 0;
    // Decides a login of this connection through the gate, with the connection's memo of failed
    // guesses (core/guess_memo.h) and whether `req` came over TLS (ssl_required); the
    // connection then counts as having attempted a login (docs/login-gate.md#http-abandoned).
    virtual core::LoginOutcome attempt(core::LoginAttempt attempt, const Request& req) = 0;
    virtual vfs::FileSession& files() = 0;
    virtual Dav& dav() = 0;
    // What the request's login is on: restapi (a key or token) or web (the session cookie).
    virtual core::Interface interface() const = 0;
    // A web session that may only change the user's password (docs/web-ui.md#password-change).
    virtual bool password_change_only() const = 0;
    // A web session that may only set up two-factor authentication (docs/two-factor.md).
    virtual bool two_factor_setup_only() const = 0;
};

inline constexpr std::string_view kApiPrefix = "/api/v1";
inline constexpr std::string_view kSessionsRoute = "/api/v1/sessions";
inline constexpr std::string_view kOwnPasswordRoute = "/api/v1/me/password";

class Api {
  public:
    Api(Services& services, ApiLogin& login) : services_(services), login_(login) {}

    // `path` is the decoded path after /api/v1.
    Prepared prepare(Request& req, const std::string& path);
    Response handle(Request& req);
    // Whether the prepared route is part of showing a web UI page (the router counts it as a
    // page load: docs/login-gate.md#http-abandoned).
    bool answered_page_data() const;

    static nlohmann::json openapi();

    struct Route;

  private:
    Response sessions_create(Request&);
    Response sessions_delete(Request&);
    Response sessions_show(Request&);
    Response me_password_check(Request&);
    Response me(Request&);
    Response users_list(Request&);
    Response users_create(Request&);
    Response users_show(Request&);
    Response users_update(Request&);
    Response users_delete(Request&);
    Response users_unlock(Request&);
    Response users_enable(Request&);
    Response users_disable(Request&);
    Response users_set_disabled(Request&, bool disabled);
    Response files_metadata(Request&);
    Response history(Request&);
    Response api_keys_list(Request&);
    Response api_keys_create(Request&);
    Response api_keys_delete(Request&);
    Response ssh_keys_list(Request&);
    Response ssh_keys_create(Request&);
    Response ssh_keys_delete(Request&);
    Response site_show(Request&);
    Response site_schema(Request&);
    Response site_update(Request&);
    Response me_password(Request&);
    Response me_generate_password(Request&);
    Response folders_list(Request&);
    Response folders_create(Request&);
    Response files_download(Request&);
    Response files_delete(Request&);
    Response files_move(Request&);
    Response files_copy(Request&);
    Response openapi_document(Request&);
    Response mail_list(Request&);
    Response mail_test(Request&);
    Response mail_templates_list(Request&);
    Response mail_templates_update(Request&);
    Response mail_templates_reset(Request&);
    Response users_resend_welcome(Request&);
    Response password_reset_request(Request&);
    Response password_reset_complete(Request&);
    Response password_reset_check(Request&);
    Response password_reset_generate(Request&);
    Response sign_in_options(Request&);
    Response permissions_list(Request&);
    Response permissions_create(Request&);
    Response permissions_delete(Request&);
    Prepared files_upload(Request&);
    Response bans_list(Request&);
    Response bans_lift(Request&);
    Response nodes_list(Request&);
    Response nodes_remove(Request&);
    Response ip_lists_list(Request&);
    Response ip_lists_create(Request&);
    Response ip_lists_delete(Request&);
    Response login_check(Request&);
    Response history_summary(Request&);
    Response active_sessions(Request&);
    // Two-factor authentication (api_two_factor.cpp, docs/two-factor.md).
    Response sessions_second_step(Request&, const nlohmann::json& body, bool for_web);
    Response two_factor_required_reply(const core::LoginOutcome& outcome,
                                       const core::LoginAttempt& attempt);
    Response session_reply(const core::LoginOutcome& outcome, bool for_web);
    Response me_2fa(Request&);
    Response me_2fa_totp_begin(Request&);
    Response me_2fa_totp_confirm(Request&);
    Response me_2fa_totp_delete(Request&);
    Response me_2fa_recovery_codes(Request&);
    Response users_2fa_reset(Request&);
    Response me_2fa_webauthn_options(Request&);
    Response me_2fa_webauthn_add(Request&);
    Response me_2fa_webauthn_delete(Request&);
    // The second step by a security key: its answer in `webauthn`, against the partial entry.
    std::optional<core::Credential> webauthn_credential(const Request& req,
                                                        const nlohmann::json& answer,
                                                        const std::string& challenge,
                                                        Response& error);
    static bool open_during_two_factor_setup(const Route& r);
    // Who makes a change through a security route, for the action log.
    auth::SecurityActor security_actor(const Request& req) const;

    static const std::vector<Route>& routes();
    static bool open_during_password_change(const Route& r);
    Response file_action(Request& req, bool move);
    std::optional<core::User> user_param(Response& error);
    // The user whose id is `value` (a number or its text); a 400 or 404 in `error` otherwise.
    std::optional<core::User> user_of_id(const nlohmann::json& value, Response& error);
    // The user of a keys route, when the caller may manage its keys: an administrator for
    // anyone, a user for itself when the site setting `site_flag` allows.
    std::optional<core::User> key_owner(Response& error, auth::Accounts::KeyKind kind);

    Services& services_;
    ApiLogin& login_;
    const Route* route_ = nullptr;
    std::map<std::string, std::string> params_;
};

// The REST error shape for a status and a message ({"type": "not-found/not-found", ...}).
Response api_error(int status, std::string message);

}  // namespace drawbridge::http
