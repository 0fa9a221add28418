// What PROPFIND (dav_propfind.cpp) and PROPPATCH (dav_props.cpp) share: the stored form of dead
// properties, the names of the live ones, and the pieces of a multistatus reply.
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "http/dav_xml.h"
#include "http/message.h"

namespace drawbridge::http::davprops {

// Dead properties live in this extended attribute of the file or folder (docs/webdav.md).
inline constexpr const char* kXattr = "user.drawbridge.dav";

struct DeadProp {
    davxml::QName name;
    std::string value;  // XML content
};
using DeadProps = std::vector<DeadProp>;

// The attribute's value as properties (`out` is replaced).
void parse_dead(std::string_view stored, DeadProps& out);
// Reads them from a descriptor of the file or folder: 0 (none stored is no error) or errno.
int read_dead(int fd, DeadProps& out);
int write_dead(int fd, const DeadProps& props);

// The live properties, all in DAV:, in the order allprop and propname list them; PROPPATCH may
// not change them.
inline constexpr std::array<std::string_view, 8> kLive = {
    "resourcetype", "getcontentlength", "getlastmodified", "creationdate",
    "getetag",      "getcontenttype",   "supportedlock",   "lockdiscovery"};
bool is_live(const davxml::QName& q);

// "HTTP/1.1 404 Not Found" for a propstat.
std::string_view status_line(int status);
void append_propstat(std::string& out, std::string_view props, int status);
// A 207 reply around `responses` (the D:response elements).
Response multistatus(std::string_view responses);
Response bad_request(std::string why);

}  // namespace drawbridge::http::davprops
