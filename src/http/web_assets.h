// The web UI's files, embedded in the binary at build time (web/, bundled by esbuild, turned
// into byte arrays by scripts/embed-web-assets.py: docs/web-ui.md#build).
#pragma once

#include <span>
#include <string_view>

namespace drawbridge::http {

struct WebAsset {
    std::string_view path;  // "/" for the page, "/assets/app-HASH.js" for the others
    std::string_view content_type;
    std::string_view body;
    std::string_view gzip;  // the body gzip-compressed at build time; empty when that is no smaller
    std::string_view etag;  // "\"<hex>\"": part of the body's SHA-256
    bool immutable;         // its name holds its content's hash: cached for a year
};

// Every embedded file (defined in the generated web_assets.cpp).
std::span<const WebAsset> web_assets();

}  // namespace drawbridge::http
