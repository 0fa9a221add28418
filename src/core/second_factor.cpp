#include "core/second_factor.h"

#include <qrencode.h>

#include <array>
#include <cctype>
#include <memory>
#include <stdexcept>

#include "core/crypto.h"

namespace drawbridge::core {
namespace {

constexpr std::string_view kBase32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

// Percent-encoding of a URI component (RFC 3986 unreserved characters kept).
std::string uri_component(std::string_view s) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += kHex[c >> 4];
            out += kHex[c & 15];
        }
    }
    return out;
}

}  // namespace

namespace totp {

std::string new_secret() {
    return crypto::random_bytes(kSecretBytes);
}

std::string base32_encode(std::string_view raw) {
    std::string out;
    std::uint32_t buffer = 0;
    int bits = 0;
    for (unsigned char c : raw) {
        buffer = (buffer << 8) | c;
        bits += 8;
        while (bits >= 5) {
            out += kBase32[(buffer >> (bits - 5)) & 31];
            bits -= 5;
        }
    }
    if (bits > 0) out += kBase32[(buffer << (5 - bits)) & 31];
    return out;
}

std::optional<std::string> base32_decode(std::string_view text) {
    std::string out;
    std::uint32_t buffer = 0;
    int bits = 0;
    for (char ch : text) {
        if (ch == ' ' || ch == '=') continue;
        const auto pos =
            kBase32.find(static_cast<char>(std::toupper(static_cast<unsigned char>(ch))));
        if (pos == std::string_view::npos) return std::nullopt;
        buffer = (buffer << 5) | static_cast<std::uint32_t>(pos);
        bits += 5;
        if (bits >= 8) {
            out += static_cast<char>((buffer >> (bits - 8)) & 0xff);
            bits -= 8;
        }
    }
    return out;
}

std::int64_t step_at(UnixTime t) {
    return static_cast<std::int64_t>(t) / kStepSeconds;
}

// RFC 4226 §5.3: HMAC-SHA-1 of the big-endian counter, dynamic truncation, modulo 10^6.
std::string code_at(std::string_view secret, std::int64_t step) {
    std::string counter(8, '\0');
    for (int i = 7; i >= 0; --i) {
        counter[static_cast<std::size_t>(i)] = static_cast<char>(step & 0xff);
        step >>= 8;
    }
    const std::string mac = crypto::hmac(crypto::Digest::sha1, secret, counter);
    const auto offset = static_cast<std::size_t>(mac.back() & 0x0f);
    const std::uint32_t value = (static_cast<std::uint32_t>(mac[offset] & 0x7f) << 24) |
                                (static_cast<std::uint32_t>(mac[offset + 1] & 0xff) << 16) |
                                (static_cast<std::uint32_t>(mac[offset + 2] & 0xff) << 8) |
                                static_cast<std::uint32_t>(mac[offset + 3] & 0xff);
    std::string code = std::to_string(value % 1000000);
    return std::string(kDigits - code.size(), '0') + code;
}

bool looks_like_code(std::string_view text) {
    if (text.size() != kDigits) return false;
    for (char c : text)
        if (c < '0' || c > '9') return false;
    return true;
}

std::optional<std::int64_t> match(std::string_view secret, std::string_view code, UnixTime now) {
    if (!looks_like_code(code)) return std::nullopt;
    const std::int64_t now_step = step_at(now);
    std::optional<std::int64_t> found;
    for (std::int64_t step = now_step - 1; step <= now_step + 1; ++step)
        if (crypto::constant_time_equal(code_at(secret, step), code) && !found) found = step;
    return found;
}

std::string otpauth_uri(std::string_view issuer, std::string_view account,
                        std::string_view secret) {
    return "otpauth://totp/" + uri_component(issuer) + ":" + uri_component(account) +
           "?secret=" + base32_encode(secret) + "&issuer=" + uri_component(issuer) +
           "&algorithm=SHA1&digits=6&period=30";
}

}  // namespace totp

namespace recovery_codes {

std::vector<std::string> generate() {
    std::vector<std::string> codes;
    for (int n = 0; n < kCount; ++n) {
        std::string code;
        for (int i = 0; i < 12; ++i) {
            if (i == 4 || i == 8) code += '-';
            code += static_cast<char>(std::tolower(kBase32[crypto::random_below(32)]));
        }
        codes.push_back(code);
    }
    return codes;
}

std::string normalise(std::string_view code) {
    std::string out;
    for (unsigned char c : code)
        if (std::isalnum(c)) out += static_cast<char>(std::tolower(c));
    return out;
}

bool looks_like_code(std::string_view text) {
    if (text.size() > 32) return false;
    const std::string n = normalise(text);
    if (n.size() != 12) return false;
    for (char c : n)
        if (kBase32.find(static_cast<char>(std::toupper(static_cast<unsigned char>(c)))) ==
            std::string_view::npos)
            return false;
    return true;
}

std::string digest(std::string_view code) {
    return crypto::to_hex(crypto::sha256(normalise(code)));
}

}  // namespace recovery_codes

std::string qr_svg(std::string_view text) {
    const std::string data(text);
    std::unique_ptr<QRcode, decltype(&QRcode_free)> qr(
        QRcode_encodeString(data.c_str(), 0, QR_ECLEVEL_M, QR_MODE_8, 1), &QRcode_free);
    if (!qr) throw std::runtime_error("the QR code could not be made");
    const int size = qr->width;
    constexpr int kQuiet = 4;  // the margin every QR code needs to be read
    const int total = size + 2 * kQuiet;
    std::string path;
    for (int y = 0; y < size; ++y) {
        for (int x = 0; x < size; ++x) {
            if (!(qr->data[y * size + x] & 1)) continue;
            path +=
                "M" + std::to_string(x + kQuiet) + "," + std::to_string(y + kQuiet) + "h1v1h-1z";
        }
    }
    const std::string dim = std::to_string(total);
    return "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + dim + " " + dim +
           "\" shape-rendering=\"crispEdges\" role=\"img\" aria-label=\"QR code\">"
           "<rect width=\"" +
           dim + "\" height=\"" + dim +
           "\" fill=\"#fff\"/>"
           "<path fill=\"#000\" d=\"" +
           path + "\"/></svg>";
}

}  // namespace drawbridge::core
