// Escaping text for XML and HTML (WebDAV replies, mail's HTML parts): one rule for both.
#pragma once

#include <string>
#include <string_view>

namespace drawbridge::core {

// "&<>\"'" as character references: &#39; for the quote, which HTML 4 mail readers and XML
// both know (&apos; is XML and HTML 5 only).
void append_markup_escaped(std::string& out, std::string_view text);
std::string markup_escape(std::string_view text);

}  // namespace drawbridge::core
