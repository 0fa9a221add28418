// Request paths: strict decoding (so that no encoded trick reaches the vfs as something else)
// and the encoding of the hrefs we send back.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace drawbridge::http {

// Decodes the path of a request-target ("/dav/a%20b/?x" -> "/dav/a b"). Refuses (nullopt) what
// no honest client sends: a bad escape, NUL, an encoded '/', a "." or ".." segment, invalid or
// overlong UTF-8, a fragment. Repeated slashes collapse and a trailing slash is dropped (but for
// "/").
std::optional<std::string> decode_path(std::string_view target);

// Percent-encodes a decoded path for an href or a Location header; '/' stays.
std::string encode_path(std::string_view path);

// "&<>\"'" as XML entities.
std::string xml_escape(std::string_view text);

bool valid_utf8(std::string_view s);

// The query string of a request-target as name -> value ('+' is a space); a name given twice
// keeps its last value. Pairs that do not decode to valid UTF-8 are dropped.
std::map<std::string, std::string> parse_query(std::string_view target);

}  // namespace drawbridge::http
