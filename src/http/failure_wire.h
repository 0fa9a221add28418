// How a login refusal looks on HTTP: one row per FailureReason, giving the family of the error
// type and the status. The type's second half is derived from the reason's title in
// core/failure_reason.cpp ("Locked Out" -> "not-authenticated/locked-out"), so that the REST API
// and WebDAV say the same thing and cannot drift from the core table.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "core/failure_reason.h"
#include "core/login.h"
#include "http/message.h"

namespace drawbridge::http {

struct HttpFailure {
    core::FailureReason reason;
    std::string_view family;  // "not-authenticated", "not-authorized", "rate-limited"
    int status;
};

const HttpFailure& http_failure(core::FailureReason r);
std::span<const HttpFailure> all_http_failures();

// "not-authenticated/locked-out"
std::string error_type(core::FailureReason r);

// The REST error shape: {"type", "http-code", "title", "error"}.
std::string error_json(std::string_view type, int status, std::string_view title,
                       std::string_view error);

// The error for a refused login: the public message of the reason (the region refusal's detail,
// which names the server to use; a protocol switch's, which names the setting).
std::string login_error_json(core::FailureReason r, std::string_view detail);
std::string login_error_text(core::FailureReason r, std::string_view detail);

// A refused REST login: its status and JSON error. The connection closes when the gate says so
// (docs/login-gate.md#per-connection-cap).
Response api_login_refusal(const core::LoginOutcome& outcome);

}  // namespace drawbridge::http
