#include "http/router.h"

#include <spdlog/spdlog.h>

#include "core/crypto.h"
#include "core/guess_memo.h"
#include "http/api.h"
#include "http/dav.h"
#include "http/failure_wire.h"
#include "http/uri.h"
#include "http/web_session.h"
#include "http/web_ui.h"

namespace drawbridge::http {
namespace {

// An unknown token: never issued, logged out, ended (idle, too old, refused by the gate) or
// revoked by its user's password change, disable, lock or delete (docs/rest-api.md#sessions).
constexpr const char* kNoSession =
    "the session has ended or does not exist (logged out, expired, or revoked by a password "
    "change, disable, lock or deletion of its user); log in again";

Response text(int status, std::string body) {
    return Response(status, "text/plain; charset=utf-8", std::move(body) + "\n");
}

Response challenge(int status, std::string body) {
    Response r = text(status, std::move(body));
    r.set("WWW-Authenticate", "Basic realm=\"" + std::string(kRealm) + "\", charset=\"UTF-8\"");
    return r;
}

// "Basic base64(user:password)" -> {user, password}
std::optional<std::pair<std::string, std::string>> basic_credentials(std::string_view h) {
    if (h.size() < 6 || (h.substr(0, 6) != "Basic " && h.substr(0, 6) != "basic ")) return {};
    auto decoded = core::crypto::base64_decode(h.substr(6));
    if (!decoded) return {};
    const auto colon = decoded->find(':');
    if (colon == std::string::npos) return {};
    return std::make_pair(decoded->substr(0, colon), decoded->substr(colon + 1));
}

class Router : public Handler, public ApiLogin {
  public:
    Router(Services& services, std::string ip)
        : services_(services), ip_(std::move(ip)), api_(services, *this) {}

    const core::User& user() const override { return files_->user(); }

    // Every login of the connection comes here. Clients send their credentials with every
    // request: a wrong password repeated on this connection is one guess (the memo). Over plain
    // HTTP the site's and the user's ssl_required decide (insecure_http).
    core::LoginOutcome attempt(core::LoginAttempt attempt, const Request& req) override {
        attempt.guesses = guesses_;
        attempt.secure_transport = req.secure;
        attempted_login_ = true;
        return services_.gate.attempt(attempt);
    }
    bool attempted_login() const override { return attempted_login_; }
    core::Interface abandoned_interface() const override {
        return asked_dav_ ? core::Interface::dav : core::Interface::restapi;
    }

    // A login is decided when the request's credentials are not the ones this connection is
    // logged in with, and by the REST API's log-in route.
    bool may_hash(const Request& req) const override {
        if (req.method == "POST" && std::string_view(req.target).starts_with(kSessionsRoute))
            return true;
        // A change of one's own password proves the current one (and hashes the new one).
        if (req.method == "POST" &&
            std::string_view(req.target).substr(0, req.target.find('?')) == kOwnPasswordRoute)
            return true;
        const auto differs = [this](const std::string& digest) {
            return !files_ || !core::crypto::constant_time_equal(digest, login_digest_);
        };
        if (const auto h = req.header("authorization"); !h.empty())
            return differs(core::crypto::sha256(h));
        if (const auto k = req.header("x-filesapi-key"); !k.empty())
            return differs(core::crypto::sha256("key:" + std::string(k)));
        return false;
    }
    bool when_recorded(std::function<void(std::exception_ptr)> then) override {
        return files_ && files_->when_logged(std::move(then));
    }
    vfs::FileSession& files() override { return *files_; }
    Dav& dav() override { return *dav_; }

    core::Interface interface() const override { return interface_; }
    bool password_change_only() const override { return grant_ && grant_->password_change_only; }
    bool two_factor_setup_only() const override { return grant_ && grant_->two_factor_setup_only; }
    bool only_loaded_pages() const override { return requests_ > 0 && pages_ == requests_; }

    // A session token (X-FilesAPI-Auth), an API key (X-FilesAPI-Key), or the web UI's session
    // cookie, in that order.
    std::optional<Response> login_api(const Request& req) override {
        if (const auto token = req.header("x-filesapi-auth"); !token.empty())
            return login_session(req, token, core::Interface::restapi);
        if (const auto key = req.header("x-filesapi-key"); !key.empty()) {
            const std::string digest = core::crypto::sha256("key:" + std::string(key));
            if (still_admitted(core::Interface::restapi, digest)) return std::nullopt;
            forget();
            const auto outcome = attempt({"",
                                          core::Interface::restapi,
                                          ip_,
                                          core::ApiKeyCredential{std::string(key)},
                                          {},
                                          {}},
                                         req);
            if (!outcome.ok()) return api_login_refusal(outcome);
            return establish(*outcome.user, *outcome.grant, digest);
        }
        if (const auto cookie = cookie_value(req, kWebCookie); !cookie.empty()) {
            if (auto refused = web_request_refusal(req, cookie)) return refused;
            return login_session(req, cookie, core::Interface::web);
        }
        return api_error(401, "authentication required: X-FilesAPI-Key or X-FilesAPI-Auth");
    }

    Prepared prepare(Request& req) override {
        ++requests_;
        return route(req);
    }

    Prepared route(Request& req) {
        const bool api = std::string_view(req.target).starts_with(kApiPrefix);
        auto path = api ? decode_api_path(req.target) : decode_path(req.target);
        if (!path) {
            if (api) return {api_error(400, "invalid request path"), nullptr};
            return {text(400, "invalid request path"), nullptr};
        }
        if (*path == kDavPrefix || path->starts_with(std::string(kDavPrefix) + "/")) {
            asked_dav_ = true;
            if (auto refused = login(req, core::Interface::dav))
                return {std::move(refused), nullptr};
            dav_path_ = *path == kDavPrefix ? "/" : path->substr(kDavPrefix.size());
            target_ = Target::dav;
            return dav_->prepare(req, dav_path_);
        }
        if (*path == kApiPrefix || path->starts_with(std::string(kApiPrefix) + "/")) {
            target_ = Target::api;
            auto prepared = api_.prepare(req, path->substr(kApiPrefix.size()));
            if (api_.answered_page_data()) ++pages_;
            return prepared;
        }
        target_ = Target::none;
        // Windows' WebDAV client asks the server's root what it speaks before it asks for
        // credentials; answering there lets it map https://host/dav/ as a drive.
        if (req.method == "OPTIONS") {
            Response r(200);
            r.set("DAV", "1, 2").set("MS-Author-Via", "DAV").set("Allow", "OPTIONS, GET, HEAD");
            return {std::move(r), nullptr};
        }
        if (req.method == "GET" || req.method == "HEAD") {
            if (auto page = web_ui_response(req, *path)) {
                ++pages_;
                return {std::move(page), nullptr};
            }
        }
        return {text(404, "not found"), nullptr};
    }

    Response handle(Request& req) override {
        if (target_ == Target::dav) return dav_->handle(req, dav_path_);
        if (target_ == Target::api) return api_.handle(req);
        return text(404, "not found");
    }

  private:
    enum class Target { none, dav, api };

    // A session's token, from X-FilesAPI-Auth (restapi) or the web UI's cookie (web).
    std::optional<Response> login_session(const Request& req, std::string_view token,
                                          core::Interface interface) {
        auto grant = services_.sessions.find(token, interface);
        // An unknown token is no login: it costs the gate nothing, so a connection that only
        // sends made-up tokens is scored as abandoned.
        if (!grant) return api_error(401, kNoSession);
        attempted_login_ = true;
        const std::string digest = core::crypto::sha256("session:" + std::string(token));
        // Reused on this connection, the connection's grant keeps the gate's memo.
        const bool reused = files_ && grant_ && interface_ == interface &&
                            core::crypto::constant_time_equal(digest, login_digest_) &&
                            grant_->two_factor_setup_only == grant->two_factor_setup_only;
        auto refused = req.secure ? std::nullopt : services_.gate.refuse_token_in_clear(*grant);
        if (!refused) refused = services_.gate.readmit(reused ? *grant_ : *grant);
        if (refused) {
            services_.sessions.remove(token);
            forget();
            spdlog::info("http: {}: session of user {} ended: {} ({})", ip_, grant->user_id,
                         core::to_string(refused->reason), refused->detail);
            return api_error(401, "the session has ended (" +
                                      std::string(core::info(refused->reason).title) +
                                      "); log in again");
        }
        if (reused) return std::nullopt;
        const auto user = services_.store.find_user(grant->user_id);
        if (!user) return api_error(401, kNoSession);
        return establish(*user, *grant, digest);
    }

    // Logs the request's credentials in, or reuses the login of this connection when they are
    // the same as last time (clients send them with every request; hashing the password each
    // time would cost a PBKDF2 run per request). Returns the refusal, or nullopt when in.
    std::optional<Response> login(const Request& req, core::Interface interface) {
        const auto header = req.header("authorization");
        if (header.empty()) {
            // No challenge where any password sent in clear would be refused: a client that
            // waits to be asked (most do) then never sends it over the wire.
            if (!req.secure && services_.gate.refuses_every_plain_login())
                return text(403, std::string(core::info(core::FailureReason::insecure_http).title) +
                                     ": " +
                                     login_error_text(core::FailureReason::insecure_http, ""));
            return challenge(401, "authentication required");
        }
        const std::string digest = core::crypto::sha256(header);
        if (still_admitted(interface, digest)) return std::nullopt;
        forget();
        const auto creds = basic_credentials(header);
        if (!creds) return challenge(401, "malformed Basic credentials");
        const auto outcome = attempt(
            {creds->first, interface, ip_, core::PasswordCredential{creds->second}, {}, {}}, req);
        if (!outcome.ok()) {
            const auto reason = outcome.shown;
            const auto& wire = http_failure(reason);
            const std::string body = std::string(core::info(reason).title) + ": " +
                                     login_error_text(reason, outcome.detail);
            Response r = wire.status == 401 ? challenge(401, body) : text(wire.status, body);
            r.close = outcome.end_connection;  // docs/login-gate.md#per-connection-cap
            return r;
        }
        return establish(*outcome.user, *outcome.grant, digest);
    }

    // Whether this connection's login, made with the same credentials (`digest`), still
    // stands: the gate re-admits it on every request, so that a right taken back ends here at
    // once. When it does not, the caller logs the credentials in afresh, and the gate's
    // refusal (with its real reason in the log) is what the client gets.
    bool still_admitted(core::Interface interface, const std::string& digest) {
        if (!files_ || !grant_ || interface_ != interface ||
            !core::crypto::constant_time_equal(digest, login_digest_))
            return false;
        if (const auto refused = services_.gate.readmit(*grant_)) {
            spdlog::info("http: {}: session of '{}' ended: {} ({})", ip_, files_->user().username,
                         core::to_string(refused->reason), refused->detail);
            return false;
        }
        return true;
    }

    void forget() {
        dav_.reset();
        files_.reset();
        grant_.reset();
        login_digest_.clear();
    }

    // Opens the user's files for the requests of this connection.
    std::optional<Response> establish(const core::User& user, const core::SessionGrant& grant,
                                      const std::string& digest) {
        const core::Interface interface = grant.interface;
        forget();
        try {
            files_ = services_.open_files(user, interface, ip_);
        } catch (const std::exception& e) {
            spdlog::error("http: cannot open the root folder of '{}': {}", user.username, e.what());
            return interface != core::Interface::dav
                       ? api_error(503, "the user's folder is not available")
                       : text(503, "the user's folder is not available");
        }
        files_->defer_log_commits();  // the server waits for them off the I/O thread
        dav_ = std::make_unique<Dav>(*files_, services_.locks, std::string(kDavPrefix));
        login_digest_ = digest;
        interface_ = interface;
        grant_ = grant;
        return std::nullopt;
    }

    Services& services_;
    std::string ip_;
    std::string login_digest_;
    std::shared_ptr<core::GuessMemo> guesses_ = std::make_shared<core::GuessMemo>();
    core::Interface interface_ = core::Interface::dav;
    std::unique_ptr<vfs::FileSession> files_;
    std::optional<core::SessionGrant> grant_;
    std::unique_ptr<Dav> dav_;
    Api api_;
    Target target_ = Target::none;
    std::string dav_path_;
    bool attempted_login_ = false;
    bool asked_dav_ = false;  // a request under /dav/: an abandon is reported as WebDAV's
    // Requests on this connection, and those that loaded the web UI's page or an asset: a
    // browser's connection that only loaded the UI is not an abandoned login
    // (docs/login-gate.md#http-abandoned).
    int requests_ = 0;
    int pages_ = 0;
};

}  // namespace

std::unique_ptr<Handler> make_router(Services& services, const std::string& peer_ip) {
    return std::make_unique<Router>(services, peer_ip);
}

}  // namespace drawbridge::http
