#include "http/uri.h"

#include <cstdint>

#include "vfs/local_root.h"

namespace drawbridge::http {
namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool keep_literal(unsigned char c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
    switch (c) {
        case '-':
        case '.':
        case '_':
        case '~':
        case '/':
        case ':':
        case '@':
        case '!':
        case '$':
        case '(':
        case ')':
        case '*':
        case '+':
        case ',':
        case ';':
        case '=':
            return true;
        default:
            return false;
    }
}

std::string lower_ascii(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

// "User@Host:0443" -> "host" for https: lower case, without user info, leading zeros or the
// scheme's default port; nullopt when the host is empty or the port not a number.
std::optional<std::string> canonical_authority(std::string_view a, std::string_view default_port) {
    if (const auto at = a.rfind('@'); at != std::string_view::npos) a.remove_prefix(at + 1);
    std::string_view host = a, port;
    const auto colon = a.rfind(':');
    // An IPv6 literal ("[::1]:8443") has colons of its own inside the brackets.
    if (colon != std::string_view::npos && a.find(']', colon) == std::string_view::npos) {
        host = a.substr(0, colon);
        port = a.substr(colon + 1);
        if (port.empty() || port.size() > 5) return std::nullopt;
        for (const char c : port)
            if (c < '0' || c > '9') return std::nullopt;
        while (port.size() > 1 && port.front() == '0') port.remove_prefix(1);
        if (port == default_port) port = {};
    }
    if (host.empty()) return std::nullopt;
    return lower_ascii(host) + (port.empty() ? "" : ":" + std::string(port));
}

void append_percent_encoded(std::string& out, std::string_view text, bool (*keep)(unsigned char)) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    for (const char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        if (keep(c)) {
            out += ch;
        } else {
            out += '%';
            out += kHex[c >> 4];
            out += kHex[c & 15];
        }
    }
}

}  // namespace

bool names_this_server(std::string_view uri, std::string_view host, bool secure) {
    if (uri.starts_with('/')) return true;
    const auto scheme_end = uri.find("://");
    if (scheme_end == std::string_view::npos) return false;
    const std::string scheme = lower_ascii(uri.substr(0, scheme_end));
    if (scheme != "http" && scheme != "https") return false;
    const auto rest = uri.substr(scheme_end + 3);
    const auto theirs = canonical_authority(rest.substr(0, rest.find_first_of("/?#")),
                                            scheme == "https" ? "443" : "80");
    const auto ours = canonical_authority(host, secure ? "443" : "80");
    return theirs && ours && *theirs == *ours;
}

bool valid_utf8(std::string_view s) {
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const auto* end = p + s.size();
    while (p < end) {
        const unsigned char c = *p;
        int extra = 0;
        std::uint32_t cp = 0, min = 0;
        if (c < 0x80) {
            ++p;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            extra = 1, cp = c & 0x1F, min = 0x80;
        } else if ((c & 0xF0) == 0xE0) {
            extra = 2, cp = c & 0x0F, min = 0x800;
        } else if ((c & 0xF8) == 0xF0) {
            extra = 3, cp = c & 0x07, min = 0x10000;
        } else {
            return false;
        }
        if (end - p <= extra) return false;
        for (int i = 1; i <= extra; ++i) {
            if ((p[i] & 0xC0) != 0x80) return false;
            cp = cp << 6 | (p[i] & 0x3F);
        }
        // Overlong forms ("%c0%ae" for '.'), surrogates and values past Unicode are refused.
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
        p += extra + 1;
    }
    return true;
}

std::optional<std::string> decode_path(std::string_view target) {
    // A fragment never belongs in a request (RFC 9112 §3.2); acting on the part before it
    // could delete what the client did not name.
    if (target.find('#') != std::string_view::npos) return std::nullopt;
    target = target.substr(0, target.find('?'));
    if (target.empty() || target[0] != '/') {
        // An absolute-form target ("http://host/path") carries its path after the authority.
        const auto scheme = target.find("://");
        if (scheme == std::string_view::npos) return std::nullopt;
        const auto slash = target.find('/', scheme + 3);
        target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
    }
    std::string out;
    std::size_t i = 0;
    while (i < target.size()) {
        while (i < target.size() && target[i] == '/') ++i;
        if (i == target.size()) break;
        std::string segment;
        for (; i < target.size() && target[i] != '/'; ++i) {
            char c = target[i];
            if (c == '%') {
                if (i + 2 >= target.size()) return std::nullopt;
                const int hi = hex_value(target[i + 1]), lo = hex_value(target[i + 2]);
                if (hi < 0 || lo < 0) return std::nullopt;
                c = static_cast<char>(hi * 16 + lo);
                i += 2;
                if (c == '/') return std::nullopt;
            }
            segment += c;
        }
        if (segment == "." || segment == "..") return std::nullopt;
        out += '/';
        out += segment;
    }
    if (out.empty()) return std::string(1, '/');
    // The rule of every protocol for bytes a path cannot hold (a NUL from %00).
    if (!vfs::path_fault(out).empty() || !valid_utf8(out)) return std::nullopt;
    return out;
}

std::optional<std::string> decode_api_path(std::string_view target) {
    const auto path_end = std::min(target.find('?'), target.size());
    std::string unslashed;
    unslashed.reserve(target.size());
    for (std::size_t i = 0; i < path_end; ++i) {
        if (target[i] == '%' && i + 2 < path_end && target[i + 1] == '2' &&
            (target[i + 2] == 'F' || target[i + 2] == 'f')) {
            unslashed += '/';
            i += 2;
        } else {
            unslashed += target[i];
        }
    }
    unslashed += target.substr(path_end);
    return decode_path(unslashed);
}

std::map<std::string, std::string> parse_query(std::string_view target) {
    std::map<std::string, std::string> out;
    const auto q = target.find('?');
    if (q == std::string_view::npos) return out;
    const auto decode = [](std::string_view s) -> std::optional<std::string> {
        std::string r;
        for (std::size_t i = 0; i < s.size(); ++i) {
            if (s[i] == '+') {
                r += ' ';
            } else if (s[i] == '%') {
                if (i + 2 >= s.size()) return std::nullopt;
                const int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
                if (hi < 0 || lo < 0) return std::nullopt;
                r += static_cast<char>(hi * 16 + lo);
                i += 2;
            } else {
                r += s[i];
            }
        }
        if (r.find('\0') != std::string::npos || !valid_utf8(r)) return std::nullopt;
        return r;
    };
    std::string_view rest = target.substr(q + 1);
    while (!rest.empty()) {
        const auto amp = rest.find('&');
        const auto pair = rest.substr(0, amp);
        const auto eq = pair.find('=');
        auto k = decode(pair.substr(0, eq));
        auto v = decode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
        if (k && v && !k->empty()) out[*k] = *v;
        if (amp == std::string_view::npos) break;
        rest.remove_prefix(amp + 1);
    }
    return out;
}

std::string encode_path(std::string_view path) {
    return percent_encode(path, keep_literal);
}

void append_encoded_path(std::string& out, std::string_view path) {
    append_percent_encoded(out, path, keep_literal);
}

std::string percent_encode(std::string_view text, bool (*keep)(unsigned char)) {
    std::string out;
    out.reserve(text.size());
    append_percent_encoded(out, text, keep);
    return out;
}

}  // namespace drawbridge::http
