#include "s3/sigv4.h"

#include <algorithm>
#include <cctype>
#include <map>

#include "core/crypto.h"

namespace drawbridge::s3 {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";

bool unreserved(unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~';
}

std::string lowercase(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

// SigV4 canonical header value: outer blanks trimmed, every run of blanks inside made one
// space (the suite's get-header-value-trim).
std::string canonical_value(std::string_view value) {
    std::string out;
    bool blank = false;
    for (const char c : value) {
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            blank = true;
            continue;
        }
        if (blank && !out.empty()) out += ' ';
        blank = false;
        out += c;
    }
    return out;
}

// Lowercase name -> values in the order given (a repeated header is signed "v1,v2").
std::map<std::string, std::vector<std::string>> header_map(const Pairs& headers) {
    std::map<std::string, std::vector<std::string>> map;
    for (const auto& [name, value] : headers) {
        map[lowercase(name)].push_back(canonical_value(value));
    }
    return map;
}

std::string scope_text(std::string_view date, const Scope& scope) {
    return std::string(date) + "/" + scope.region + "/" + scope.service + "/aws4_request";
}

}  // namespace

std::string uri_encode(std::string_view text, bool keep_slash) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(text.size());
    for (const char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        if (unreserved(c) || (keep_slash && c == '/')) {
            out += ch;
        } else {
            out += '%';
            out += kHex[c >> 4];
            out += kHex[c & 0xF];
        }
    }
    return out;
}

std::string canonical_query(const Pairs& query) {
    std::vector<std::pair<std::string, std::string>> encoded;
    encoded.reserve(query.size());
    for (const auto& [name, value] : query) {
        encoded.emplace_back(uri_encode(name, false), uri_encode(value, false));
    }
    // Byte order of the encoded forms, as the specification sorts them.
    std::sort(encoded.begin(), encoded.end());
    std::string out;
    for (const auto& [name, value] : encoded) {
        if (!out.empty()) out += '&';
        out += name + "=" + value;
    }
    return out;
}

std::string signed_headers(const Pairs& headers) {
    std::string out;
    for (const auto& [name, values] : header_map(headers)) {
        if (!out.empty()) out += ';';
        out += name;
    }
    return out;
}

std::string canonical_request(const SignedRequest& request) {
    std::string out = request.method + "\n";
    out += uri_encode(request.path.empty() ? "/" : request.path, true) + "\n";
    out += canonical_query(request.query) + "\n";
    for (const auto& [name, values] : header_map(request.headers)) {
        out += name + ":";
        for (std::size_t i = 0; i < values.size(); ++i) out += (i ? "," : "") + values[i];
        out += "\n";
    }
    out += "\n" + signed_headers(request.headers) + "\n";
    out += request.payload_hash;
    return out;
}

std::string string_to_sign(std::string_view amz_date, const Scope& scope,
                           std::string_view canonical) {
    return std::string(kAlgorithm) + "\n" + std::string(amz_date) + "\n" +
           scope_text(amz_date.substr(0, 8), scope) + "\n" + payload_sha256(canonical);
}

std::string signing_key(std::string_view secret_key, std::string_view date, const Scope& scope) {
    using core::crypto::hmac_sha256;
    const std::string k_date = hmac_sha256("AWS4" + std::string(secret_key), date);
    const std::string k_region = hmac_sha256(k_date, scope.region);
    const std::string k_service = hmac_sha256(k_region, scope.service);
    return hmac_sha256(k_service, "aws4_request");
}

Signature sign(const SignedRequest& request, const Credentials& credentials, const Scope& scope,
               std::string_view amz_date) {
    Signature s;
    s.canonical_request = canonical_request(request);
    s.string_to_sign = string_to_sign(amz_date, scope, s.canonical_request);
    const std::string_view date = amz_date.substr(0, 8);
    s.signature = core::crypto::to_hex(core::crypto::hmac_sha256(
        signing_key(credentials.secret_key, date, scope), s.string_to_sign));
    s.authorization = std::string(kAlgorithm) + " Credential=" + credentials.access_key + "/" +
                      scope_text(date, scope) +
                      ", SignedHeaders=" + signed_headers(request.headers) +
                      ", Signature=" + s.signature;
    return s;
}

std::string payload_sha256(std::string_view body) {
    return core::crypto::to_hex(core::crypto::sha256(body));
}

}  // namespace drawbridge::s3
