#include "http/message.h"

#include <algorithm>
#include <cctype>

namespace drawbridge::http {

std::string_view Request::header(std::string_view name) const {
    for (const auto& [k, v] : headers)
        if (k == name) return v;
    return {};
}

bool Request::has_header(std::string_view name) const {
    for (const auto& [k, v] : headers)
        if (k == name) return true;
    return false;
}

std::optional<Response> framing_refusal(const Request& req, bool http11) {
    int codings = 0, hosts = 0;
    bool length = false;
    std::string_view coding;
    for (const auto& [k, v] : req.headers) {
        if (k == "transfer-encoding") {
            ++codings;
            coding = v;
        } else if (k == "content-length") {
            length = true;
        } else if (k == "host") {
            ++hosts;
        }
    }
    const auto refuse = [](int status, std::string why) {
        Response r(status, "text/plain; charset=utf-8", std::move(why) + "\n");
        r.close = true;
        return r;
    };
    const auto is_chunked = [](std::string_view v) {
        while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
        while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
        return std::ranges::equal(v, std::string_view("chunked"), [](char a, char b) {
            return std::tolower(static_cast<unsigned char>(a)) == b;
        });
    };
    if (codings && length)
        return refuse(400, "a request cannot have both Content-Length and Transfer-Encoding");
    if (codings > 1 || (codings == 1 && !is_chunked(coding)))
        return refuse(501, "only \"Transfer-Encoding: chunked\" is implemented, alone and once");
    if (hosts > 1 || (http11 && hosts == 0))
        return refuse(400, "an HTTP/1.1 request needs exactly one Host header");
    return std::nullopt;
}

}  // namespace drawbridge::http
