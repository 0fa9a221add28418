// Serving the web UI (docs/web-ui.md): its one page at "/" and its assets under "/assets/",
// from the files embedded in the binary, with the headers that keep the page to its own code
// (a strict Content-Security-Policy, no framing, no sniffing).
#pragma once

#include <optional>
#include <string_view>

#include "http/message.h"

namespace drawbridge::http {

// The page's policy: scripts, styles and calls only from this origin, nothing inline.
inline constexpr std::string_view kPagePolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'";

// The response to GET or HEAD of `path` when it is the web UI's page or one of its assets;
// nullopt otherwise.
std::optional<Response> web_ui_response(const Request& req, std::string_view path);

}  // namespace drawbridge::http
