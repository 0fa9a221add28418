#include "http/web_ui.h"

#include "http/web_assets.h"

namespace drawbridge::http {
namespace {

const WebAsset* find_asset(std::string_view path) {
    // Browsers ask for /favicon.ico on their own; the page names its icon, served there too.
    if (path == "/favicon.ico") path = "/favicon.svg";
    for (const auto& a : web_assets())
        if (a.path == path) return &a;
    return nullptr;
}

// Whether the client takes gzip. A crude look for the token (no q-values): every browser
// that sends it takes it, and a client that says "gzip;q=0" gets a body it still can decode.
bool accepts_gzip(const Request& req) {
    return req.header("accept-encoding").find("gzip") != std::string_view::npos;
}

void add_page_headers(Response& r) {
    r.set("Content-Security-Policy", std::string(kPagePolicy))
        .set("X-Frame-Options", "DENY")
        .set("X-Content-Type-Options", "nosniff")
        .set("Referrer-Policy", "same-origin")
        .set("Cross-Origin-Opener-Policy", "same-origin");
}

}  // namespace

std::optional<Response> web_ui_response(const Request& req, std::string_view path) {
    const WebAsset* asset = find_asset(path);
    if (!asset) return std::nullopt;
    // The page is small and its name fixed: revalidated on every load (its ETag), so that a new
    // binary's assets are picked up at once; assets are named by their hash and never change.
    const std::string etag(asset->etag);
    const bool gzip = !asset->gzip.empty() && accepts_gzip(req);
    Response r(200);
    if (req.header("if-none-match") == etag) {
        r.status = 304;
    } else {
        r.set("Content-Type", std::string(asset->content_type));
        r.body = std::string(gzip ? asset->gzip : asset->body);
        if (gzip) r.set("Content-Encoding", "gzip");
    }
    r.set("ETag", etag).set("Vary", "Accept-Encoding");
    r.set("Cache-Control", asset->immutable ? "public, max-age=31536000, immutable" : "no-cache");
    add_page_headers(r);
    return r;
}

}  // namespace drawbridge::http
