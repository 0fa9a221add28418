#include "http/failure_wire.h"

#include <nlohmann/json.hpp>

#include <array>
#include <cctype>

namespace drawbridge::http {
namespace {

using R = core::FailureReason;
constexpr std::string_view kUnauthenticated = "not-authenticated";
constexpr std::string_view kUnauthorized = "not-authorized";

// Order matches the enum (checked below).
constexpr std::array kTable = {
    HttpFailure{R::none, "", 200},
    HttpFailure{R::username_not_found, kUnauthenticated, 401},
    HttpFailure{R::password_mismatch, kUnauthenticated, 401},
    HttpFailure{R::key_mismatch, kUnauthenticated, 401},
    HttpFailure{R::api_key_mismatch, kUnauthenticated, 401},
    HttpFailure{R::api_key_expired, kUnauthenticated, 401},
    HttpFailure{R::disabled, kUnauthorized, 403},
    HttpFailure{R::expired_access, kUnauthorized, 403},
    HttpFailure{R::password_expired, kUnauthorized, 403},
    HttpFailure{R::password_change_required, kUnauthorized, 403},
    HttpFailure{R::signup_incomplete, kUnauthorized, 403},
    HttpFailure{R::method_not_allowed, kUnauthorized, 403},
    HttpFailure{R::no_sftp_permission, kUnauthorized, 403},
    HttpFailure{R::no_ftp_permission, kUnauthorized, 403},
    HttpFailure{R::no_dav_permission, kUnauthorized, 403},
    HttpFailure{R::no_restapi_permission, kUnauthorized, 403},
    HttpFailure{R::no_web_permission, kUnauthorized, 403},
    HttpFailure{R::ip_mismatch, kUnauthenticated, 403},
    HttpFailure{R::locked_out, kUnauthenticated, 401},
    HttpFailure{R::rate_limited, "rate-limited", 429},
    HttpFailure{R::country_mismatch, kUnauthenticated, 403},
    HttpFailure{R::region_mismatch, kUnauthenticated, 403},
    HttpFailure{R::insecure_ftp, kUnauthorized, 403},
    HttpFailure{R::insecure_cipher, kUnauthorized, 403},
    HttpFailure{R::second_factor_required, kUnauthorized, 401},
    HttpFailure{R::second_factor_mismatch, kUnauthenticated, 401},
    HttpFailure{R::password_missing, kUnauthorized, 403},
    HttpFailure{R::ssh_key_missing, kUnauthorized, 403},
    HttpFailure{R::directory_unavailable, kUnauthenticated, 503},
    HttpFailure{R::protocol_disabled, kUnauthorized, 403},
    HttpFailure{R::geoip_unavailable, kUnauthenticated, 503},
    HttpFailure{R::insecure_http, kUnauthorized, 403},
};
static_assert(kTable.size() == static_cast<std::size_t>(R::insecure_http) + 1);

constexpr bool in_enum_order() {
    for (std::size_t i = 0; i < kTable.size(); ++i)
        if (static_cast<std::size_t>(kTable[i].reason) != i) return false;
    return true;
}
static_assert(in_enum_order(), "kTable rows must follow the enum order");

}  // namespace

const HttpFailure& http_failure(core::FailureReason r) {
    return kTable[static_cast<std::size_t>(r)];
}

std::span<const HttpFailure> all_http_failures() {
    return kTable;
}

std::string error_type(core::FailureReason r) {
    std::string slug;
    for (const char c : core::info(r).title) {
        if (std::isalnum(static_cast<unsigned char>(c)))
            slug += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        else if (!slug.empty() && slug.back() != '-')
            slug += '-';
    }
    return std::string(http_failure(r).family) + "/" + slug;
}

std::string error_json(std::string_view type, int status, std::string_view title,
                       std::string_view error) {
    return nlohmann::json{{"type", type}, {"http-code", status}, {"title", title}, {"error", error}}
        .dump();
}

// The region refusal's detail names the server to use, and a protocol switch's names the
// setting; both are about the site, not the account, so a client may read them.
std::string login_error_text(core::FailureReason r, std::string_view detail) {
    // These details say what to do instead, and reach only whoever proved the password.
    return r == R::region_mismatch || r == R::protocol_disabled || r == R::second_factor_required
               ? std::string(detail)
               : std::string(core::info(r).public_message);
}

std::string login_error_json(core::FailureReason r, std::string_view detail) {
    return error_json(error_type(r), http_failure(r).status, core::info(r).title,
                      login_error_text(r, detail));
}

Response api_login_refusal(const core::LoginOutcome& outcome) {
    Response r(http_failure(outcome.shown).status, "application/json",
               login_error_json(outcome.shown, outcome.detail) + "\n");
    r.close = outcome.end_connection;
    return r;
}

}  // namespace drawbridge::http
