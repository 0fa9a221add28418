// How users' files go out over HTTP. They are served from the same origin as the login and the
// coming web UI, so a file a user uploads must never run in a browser as that origin's page
// (stored XSS): every file is sent with a sandboxing Content-Security-Policy and nosniff, and
// anything but a short list of passive types as an attachment.
//
// User content is only ever served under /dav/ and /api/v1/files/ (router.h reserves the
// rest of the URL space for the server's own pages).
#pragma once

#include <string>
#include <string_view>

#include "http/message.h"

namespace drawbridge::http {

// The Content-Type for a file name, by its extension (case-insensitive); octet-stream when
// unknown.
std::string_view content_type_of(std::string_view name);

// A sandboxed, unscripted document: for users' files and pages that show users' names.
inline constexpr std::string_view kUserContentPolicy =
    "default-src 'none'; style-src 'unsafe-inline'; sandbox";
// Adds nosniff and kUserContentPolicy.
void sandbox_user_content(Response& r);

// Sets a download's Content-Type from the name `path` ends with, sandboxes it, and, unless the
// type is passive (images but SVG, plain text, CSV, audio, video, archives, octet-stream), adds
// "Content-Disposition: attachment" with the file's name (RFC 6266).
void set_user_file_headers(Response& r, std::string_view path);

// `attachment; filename="ascii fallback"; filename*=UTF-8''percent-encoded` (RFC 6266, 8187).
std::string attachment_disposition(std::string_view file_name);

}  // namespace drawbridge::http
