// Request paths: strict decoding (so that no encoded trick reaches the vfs as something else)
// and the encoding of the hrefs we send back.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/markup.h"

namespace drawbridge::http {

// Decodes the path of a request-target ("/dav/a%20b/?x" -> "/dav/a b"). Refuses (nullopt) what
// no honest client sends: a bad escape, NUL, an encoded '/', a "." or ".." segment, invalid or
// overlong UTF-8, a fragment. Repeated slashes collapse and a trailing slash is dropped (but for
// "/").
std::optional<std::string> decode_path(std::string_view target);

// decode_path for the REST API, where an encoded '/' ("%2F") separates segments as '/' does:
// a client generated from the OpenAPI document percent-encodes the '/' of a `{path}` parameter
// (docs/rest-api.md#the-openapi-document). The result is the same as for the target written
// with '/', so it passes the same checks ("a%2F..%2Fb" is refused as "a/../b" is).
std::optional<std::string> decode_api_path(std::string_view target);

// Whether `uri` (a Destination, an If header's resource) names this server, as the request's
// Host header `host` does over https (`secure`) or http: a path ("/dav/x") does; an absolute
// http(s) URI does when its authority (host[:port], without user info) is Host's, compared
// case-insensitively with the scheme's default port (80, 443) left out. Anything else (another
// host or port, another scheme, no Host to compare with, a malformed authority) does not.
// decode_path reads the path of such a URI and ignores its authority: this is the check.
bool names_this_server(std::string_view uri, std::string_view host, bool secure);

// Percent-encodes a decoded path for an href or a Location header; '/' stays.
std::string encode_path(std::string_view path);
// The same appended to `out` (a reply being built).
void append_encoded_path(std::string& out, std::string_view path);

// Percent-encodes (upper-case hex) every byte of `text` but those `keep` accepts.
std::string percent_encode(std::string_view text, bool (*keep)(unsigned char));

// "&<>\"'" as XML character references (core/markup.h).
inline std::string xml_escape(std::string_view text) {
    return core::markup_escape(text);
}
inline void append_xml_escaped(std::string& out, std::string_view text) {
    core::append_markup_escaped(out, text);
}

bool valid_utf8(std::string_view s);

// The query string of a request-target as name -> value ('+' is a space); a name given twice
// keeps its last value. Pairs that do not decode to valid UTF-8 are dropped.
std::map<std::string, std::string> parse_query(std::string_view target);

}  // namespace drawbridge::http
