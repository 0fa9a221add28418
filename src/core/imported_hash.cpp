// Detection and well-formedness of every stored hash format (docs/password-hashes.md). Parsing
// computes nothing, so a hostile or corrupt string costs microseconds; the crypt(3) family is
// left to libxcrypt, both for computing and for judging settings we cannot judge ourselves.
#include <crypt.h>

#include <charconv>
#include <memory>
#include <vector>

#include "core/password_hash.h"

namespace drawbridge::core {
namespace detail {
namespace {

using crypto::Digest;

constexpr std::string_view kCryptChars =
    "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
constexpr std::string_view kHexChars = "0123456789abcdefABCDEF";
constexpr std::string_view kBase64Chars =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view kAb64Chars =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789./";
constexpr std::string_view kWhiteSpace = " \t\n\v\f\r";

ParseResult fail(std::string error) {
    return {std::nullopt, std::move(error)};
}

ParseResult ok(ParsedHash h) {
    return {std::move(h), {}};
}

ParsedHash parsed(HashFormat format, Digest digest = Digest::sha256) {
    ParsedHash h;
    h.format = format;
    h.digest = digest;
    return h;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
    std::vector<std::string_view> out;
    for (;;) {
        const auto pos = s.find(sep);
        out.push_back(s.substr(0, pos));
        if (pos == std::string_view::npos) return out;
        s.remove_prefix(pos + 1);
    }
}

// "" when every character of `s` is allowed; otherwise names the first offender (as a byte
// value when it would not print as itself, such as one byte of a UTF-8 sequence).
std::string first_bad_char(std::string_view s, std::string_view allowed) {
    const auto pos = s.find_first_not_of(allowed);
    if (pos == std::string_view::npos) return {};
    const auto c = static_cast<unsigned char>(s[pos]);
    std::string what = "'" + std::string(1, s[pos]) + "'";
    if (c <= 0x20 || c >= 0x7f) {
        static constexpr char digits[] = "0123456789abcdef";
        what = std::string("byte 0x") + digits[c >> 4] + digits[c & 15];
    }
    return what + " at offset " + std::to_string(pos);
}

// Why `text` does not decode, without echoing it: a checksum is nearly a crackable hash, and
// errors end up in logs.
std::string base64_problem(std::string_view text, std::string_view alphabet) {
    if (alphabet == kBase64Chars)
        while (text.ends_with('=')) text.remove_suffix(1);
    if (auto bad = first_bad_char(text, alphabet); !bad.empty()) return "got " + bad;
    return "got " + std::to_string(text.size()) + " characters, a length base64 cannot have";
}

std::string fields(std::size_t n) {
    return std::to_string(n) + (n == 1 ? " field" : " fields");
}

std::string quoted(std::string_view s) {
    return "'" + std::string(s) + "'";
}

// Decimal without sign or leading zero: every tool writes counts that way, and a string that
// differs would not reproduce itself through crypt(3) or passlib.
std::optional<std::uint64_t> parse_count(std::string_view s) {
    if (s.empty() || s.size() > 19 || s.find_first_not_of("0123456789") != std::string_view::npos)
        return std::nullopt;
    if (s.size() > 1 && s[0] == '0') return std::nullopt;
    std::uint64_t n = 0;
    std::from_chars(s.data(), s.data() + s.size(), n);
    return n;
}

std::optional<std::string> iterations_error(std::string_view label, std::string_view text,
                                            std::uint32_t& out) {
    const auto n = parse_count(text);
    if (n && *n >= 1 && *n <= kMaxPbkdf2Iterations) {
        out = static_cast<std::uint32_t>(*n);
        return std::nullopt;
    }
    return std::string(label) + " hash: iteration count " + quoted(text) +
           " must be a whole number from 1 to " + std::to_string(kMaxPbkdf2Iterations) +
           ", without leading zeros";
}

std::size_t digest_size(Digest d) {
    switch (d) {
        case Digest::md5:
            return 16;
        case Digest::sha1:
            return 20;
        case Digest::sha256:
            return 32;
        case Digest::sha512:
            return 64;
    }
    return 0;
}

// ---- PBKDF2 ---------------------------------------------------------------------------------

struct Pbkdf2Ident {
    std::string_view ident;  // between the first two '$'
    Digest digest;
    std::string_view label;
};
constexpr Pbkdf2Ident kPbkdf2Idents[] = {
    {"pbkdf2", Digest::sha1, "PBKDF2-SHA1 ($pbkdf2$)"},
    {"pbkdf2-sha256", Digest::sha256, "PBKDF2-SHA256 ($pbkdf2-sha256$)"},
    {"pbkdf2-sha512", Digest::sha512, "PBKDF2-SHA512 ($pbkdf2-sha512$)"},
};

// "$pbkdf2-sha256$i=N[,l=L]$salt$hash": the PHC string format, standard base64 without padding.
ParseResult parse_phc(const Pbkdf2Ident& id, const std::vector<std::string_view>& parts) {
    const std::string label = std::string(id.label) + " PHC";
    ParsedHash h = parsed(HashFormat::pbkdf2_phc, id.digest);
    std::optional<std::uint64_t> length;
    bool have_i = false;
    for (auto param : split(parts[2], ',')) {
        const auto eq = param.find('=');
        const auto key = param.substr(0, eq);
        const auto value = eq == std::string_view::npos ? std::string_view{} : param.substr(eq + 1);
        if (key == "i") {
            if (have_i) return fail(label + " hash: parameter i= is given twice");
            if (auto e = iterations_error(label, value, h.iterations)) return fail(*e);
            have_i = true;
        } else if (key == "l") {
            if (length) return fail(label + " hash: parameter l= is given twice");
            length = parse_count(value);
            if (!length || *length < 1 || *length > 1024)
                return fail(label + " hash: output length l=" + std::string(value) +
                            " must be from 1 to 1024");
        } else {
            return fail(label + " hash: unknown parameter " + quoted(param) +
                        " (PBKDF2 takes i= and l=)");
        }
    }
    if (!have_i) return fail(label + " hash: the iteration count i=N is missing");
    auto salt = crypto::base64_decode(parts[3]);
    if (!salt)
        return fail(label + " hash: salt is not base64 ([A-Za-z0-9+/]), " +
                    base64_problem(parts[3], kBase64Chars));
    auto sum = crypto::base64_decode(parts[4]);
    if (!sum)
        return fail(label + " hash: hash is not base64 ([A-Za-z0-9+/]), " +
                    base64_problem(parts[4], kBase64Chars));
    if (sum->empty()) return fail(label + " hash: hash is empty");
    if (length && sum->size() != *length)
        return fail(label + " hash: hash decodes to " + std::to_string(sum->size()) +
                    " bytes but l=" + std::to_string(*length));
    if (sum->size() > 1024)
        return fail(label + " hash: hash decodes to " + std::to_string(sum->size()) +
                    " bytes, more than 1024");
    h.salt = std::move(*salt);
    h.expected = std::move(*sum);
    return ok(std::move(h));
}

// "$pbkdf2-sha256$29000$<ab64 salt>$<ab64 checksum>": passlib's pbkdf2_* (and our native).
ParseResult parse_dollar_pbkdf2(std::string_view hash) {
    const auto parts = split(hash, '$');  // "", ident, iterations, salt, checksum
    const Pbkdf2Ident* id = nullptr;
    for (const auto& candidate : kPbkdf2Idents)
        if (parts[1] == candidate.ident) id = &candidate;
    if (parts.size() != 5)
        return fail(std::string(id->label) + " hash: expected $" + std::string(id->ident) +
                    "$<iterations>$<salt>$<checksum>, found " + fields(parts.size() - 1));
    if (parts[2].find('=') != std::string_view::npos) return parse_phc(*id, parts);

    const std::string label(id->label);
    ParsedHash h = parsed(id->digest == Digest::sha256 ? HashFormat::native_pbkdf2_sha256
                                                       : HashFormat::pbkdf2_passlib,
                          id->digest);
    if (auto e = iterations_error(label, parts[2], h.iterations)) return fail(*e);
    // passlib allows an empty salt (salt_size=0), so do we.
    auto salt = ab64_decode(parts[3]);
    if (!salt)
        return fail(label + " hash: salt is not ab64 (passlib's base64: [A-Za-z0-9./], no '=' " +
                    "padding), " + base64_problem(parts[3], kAb64Chars));
    auto sum = ab64_decode(parts[4]);
    if (!sum)
        return fail(label + " hash: checksum is not ab64 (passlib's base64: [A-Za-z0-9./], no " +
                    "'=' padding), " + base64_problem(parts[4], kAb64Chars));
    if (sum->size() != digest_size(id->digest))
        return fail(label + " hash: checksum must decode to " +
                    std::to_string(digest_size(id->digest)) + " bytes, got " +
                    std::to_string(sum->size()));
    h.salt = std::move(*salt);
    h.expected = std::move(*sum);
    return ok(std::move(h));
}

// Django: "pbkdf2_sha256$<iterations>$<salt, used as text>$<standard base64 checksum>".
ParseResult parse_django(std::string_view hash) {
    const auto parts = split(hash, '$');
    const Digest d = parts[0] == "pbkdf2_sha1" ? Digest::sha1 : Digest::sha256;
    const std::string label = "Django " + std::string(parts[0]);
    if (parts.size() != 4)
        return fail(label + " hash: expected " + std::string(parts[0]) +
                    "$<iterations>$<salt>$<checksum>, found " + fields(parts.size()));
    ParsedHash h = parsed(HashFormat::pbkdf2_django, d);
    if (auto e = iterations_error(label, parts[1], h.iterations)) return fail(*e);
    // Django itself refuses to hash with an empty salt.
    if (parts[2].empty()) return fail(label + " hash: the salt is empty");
    auto sum = crypto::base64_decode(parts[3]);
    if (!sum)
        return fail(label + " hash: checksum is not base64 ([A-Za-z0-9+/], '=' padding), " +
                    base64_problem(parts[3], kBase64Chars));
    if (sum->size() != digest_size(d))
        return fail(label + " hash: checksum must decode to " + std::to_string(digest_size(d)) +
                    " bytes, got " + std::to_string(sum->size()));
    h.salt = std::string(parts[2]);
    h.expected = std::move(*sum);
    return ok(std::move(h));
}

// ---- crypt(3) -------------------------------------------------------------------------------

// Settings libxcrypt will not compute at all. Its checks are shallow (it accepts rounds=0, for
// instance), which is why the parsers below check the shape first.
std::optional<std::string> xcrypt_refuses(std::string_view hash) {
    const std::string h(hash);
    switch (crypt_checksalt(h.c_str())) {
        case CRYPT_SALT_OK:
        case CRYPT_SALT_METHOD_LEGACY:
        case CRYPT_SALT_TOO_CHEAP:
            return std::nullopt;
        case CRYPT_SALT_METHOD_DISABLED:
            return "this method is disabled in the installed libxcrypt";
        default:
            return "libxcrypt refuses this setting";
    }
}

struct CryptShape {
    std::string_view prefix;
    HashFormat format;
    std::string_view label;
    std::size_t checksum_len;
    std::size_t max_salt;
    bool rounds;  // takes an optional "rounds=N$"
};
constexpr CryptShape kCryptShapes[] = {
    {"$1$", HashFormat::md5_crypt, "md5-crypt ($1$)", 22, 8, false},
    {"$5$", HashFormat::sha256_crypt, "sha256-crypt ($5$)", 43, 16, true},
    {"$6$", HashFormat::sha512_crypt, "sha512-crypt ($6$)", 86, 16, true},
};

std::string checksum_error(std::string_view label, std::string_view sum, std::size_t len) {
    std::string e = std::string(label) + " hash: checksum must be " + std::to_string(len) +
                    " characters of [./0-9A-Za-z], got ";
    if (sum.size() != len) return e + std::to_string(sum.size());
    return e + first_bad_char(sum, kCryptChars);
}

// "$1$salt$sum", "$5$[rounds=N$]salt$sum", "$6$[rounds=N$]salt$sum". libxcrypt truncates a
// long salt and refuses rounds outside 1000-999999999, so such strings could never match.
ParseResult parse_crypt(std::string_view hash, const CryptShape& shape) {
    const std::string label(shape.label);
    std::string_view rest = hash.substr(shape.prefix.size());
    const std::string expected = "expected " + std::string(shape.prefix) +
                                 (shape.rounds ? "[rounds=N$]" : "") + "<salt>$<checksum>";
    if (shape.rounds && rest.starts_with("rounds=")) {
        const auto end = rest.find('$');
        if (end == std::string_view::npos)
            return fail(label + " hash: rounds=N must be followed by '$'; " + expected);
        const auto text = rest.substr(7, end - 7);
        const auto n = parse_count(text);
        if (text.empty() || text.find_first_not_of("0123456789") != std::string_view::npos)
            return fail(label + " hash: rounds=" + std::string(text) + " is not a number");
        if (text.size() > 1 && text[0] == '0')
            return fail(label + " hash: rounds=" + std::string(text) +
                        " has a leading zero, which crypt never writes");
        if (!n || *n < 1000 || *n > 999999999)
            return fail(label + " hash: rounds=" + std::string(text) +
                        " out of range 1000-999999999");
        rest.remove_prefix(end + 1);
    }
    const auto dollar = rest.find('$');
    if (dollar == std::string_view::npos) return fail(label + " hash: " + expected);
    const auto salt = rest.substr(0, dollar), sum = rest.substr(dollar + 1);
    if (salt.size() > shape.max_salt)
        return fail(label + " hash: salt must be at most " + std::to_string(shape.max_salt) +
                    " characters, got " + std::to_string(salt.size()) + " in " + quoted(salt));
    if (auto bad = first_bad_char(salt, kCryptChars); !bad.empty())
        return fail(label + " hash: salt must be characters of [./0-9A-Za-z], got " + bad);
    if (sum.size() != shape.checksum_len || !first_bad_char(sum, kCryptChars).empty())
        return fail(checksum_error(label, sum, shape.checksum_len));
    if (auto e = xcrypt_refuses(hash)) return fail(label + " hash: " + *e);
    return ok(parsed(shape.format));
}

// "$2b$05$" + 22 characters of salt + 31 of checksum.
ParseResult parse_bcrypt(std::string_view hash) {
    const std::string ident(hash.substr(0, 4));
    const std::string label = "bcrypt (" + ident + ")";
    const auto cost_text = hash.substr(4, 2);
    if (hash.size() < 7 || hash[6] != '$' || !first_bad_char(cost_text, "0123456789").empty())
        return fail(label + " hash: expected " + ident +
                    "<cost>$<salt><checksum> with a two-digit cost");
    const auto cost = parse_count(cost_text.substr(cost_text[0] == '0' ? 1 : 0));
    if (!cost || *cost < 4 || *cost > 31)
        return fail(label + " hash: cost must be from 04 to 31, got " + std::string(cost_text));
    const auto rest = hash.substr(7);
    if (rest.size() != 53)
        return fail(label + " hash: expected " + ident +
                    "<cost>$ and then 53 characters (22 of salt, 31 of checksum), got " +
                    std::to_string(rest.size()));
    if (auto bad = first_bad_char(rest, kCryptChars); !bad.empty())
        return fail(label + " hash: salt and checksum must be characters of [./0-9A-Za-z], got " +
                    bad);
    // 22 characters hold 132 bits for a 128-bit salt; libxcrypt re-encodes any other last
    // character, and the hash it computes then differs from the stored one.
    if (std::string_view(".Oeu").find(rest[21]) == std::string_view::npos)
        return fail(label + " hash: the salt's last character must be one of . O e u, got '" +
                    std::string(1, rest[21]) + "'");
    if (auto e = xcrypt_refuses(hash)) return fail(label + " hash: " + *e);
    return ok(parsed(HashFormat::bcrypt));
}

constexpr std::string_view kYescryptLabel = "yescrypt ($y$)";

ParseResult parse_yescrypt(std::string_view hash) {
    const std::string label(kYescryptLabel);
    const auto parts = split(hash, '$');  // "", "y", params, salt, checksum
    if (parts.size() != 5 || parts[2].empty())
        return fail(label + " hash: expected $y$<parameters>$<salt>$<checksum>");
    if (auto bad = first_bad_char(parts[2], kCryptChars); !bad.empty())
        return fail(label + " hash: parameters must be characters of [./0-9A-Za-z], got " + bad);
    if (auto bad = first_bad_char(parts[3], kCryptChars); !bad.empty())
        return fail(label + " hash: salt must be characters of [./0-9A-Za-z], got " + bad);
    if (parts[4].size() != 43 || !first_bad_char(parts[4], kCryptChars).empty())
        return fail(checksum_error(label, parts[4], 43));
    if (auto e = xcrypt_refuses(hash)) return fail(label + " hash: " + *e);
    return ok(parsed(HashFormat::yescrypt));
}

// Only libxcrypt knows which yescrypt parameter and salt encodings it decodes: it is asked by
// computing the hash of an empty password once, and must reproduce the stored setting.
std::optional<std::string> yescrypt_refused(std::string_view hash) {
    const auto setting = hash.substr(0, hash.rfind('$') + 1);
    const auto out = crypt_with_setting("", setting);
    if (!out || !out->starts_with(setting))
        return std::string(kYescryptLabel) + " hash: libxcrypt refuses its parameters " +
               quoted(split(hash, '$')[2]) + " or its salt";
    return std::nullopt;
}

// ---- hex digests ----------------------------------------------------------------------------

struct HexShape {
    std::size_t length;
    Digest digest;
    HashFormat raw;
    HashFormat salted;
};
constexpr HexShape kHexShapes[] = {
    {32, Digest::md5, HashFormat::raw_md5, HashFormat::salted_md5},
    {40, Digest::sha1, HashFormat::raw_sha1, HashFormat::salted_sha1},
    {64, Digest::sha256, HashFormat::raw_sha256, HashFormat::salted_sha256},
    {128, Digest::sha512, HashFormat::raw_sha512, HashFormat::salted_sha512},
};

bool is_hex(std::string_view s) {
    return !s.empty() && first_bad_char(s, kHexChars).empty();
}

// `hex` is known to be hex; `salt` is set for a hash:salt pair.
ParseResult parse_hex(std::string_view hex, std::optional<std::string_view> salt) {
    for (const auto& shape : kHexShapes) {
        if (hex.size() != shape.length) continue;
        ParsedHash h = parsed(salt ? shape.salted : shape.raw, shape.digest);
        h.expected = *crypto::from_hex(hex);
        if (salt) h.salt = std::string(*salt);
        return ok(std::move(h));
    }
    return fail(std::string(salt ? "hash:salt pair: " : "") + "hex digest of " +
                std::to_string(hex.size()) +
                " characters matches no algorithm (MD5 32, SHA-1 40, SHA-256 64, SHA-512 128)");
}

// "<hex>:<salt>": the digest is what precedes the first ':', the salt is everything after it,
// verbatim (it may hold ':', '$' or spaces).
ParseResult parse_salted(std::string_view hash) {
    const auto colon = hash.find(':');
    const auto hex = hash.substr(0, colon), salt = hash.substr(colon + 1);
    if (!is_hex(hex))
        return fail("hash:salt pair: the part before ':' must be a hex digest, got " +
                    (hex.empty() ? std::string("nothing") : first_bad_char(hex, kHexChars)));
    if (salt.empty())
        return fail(
            "hash:salt pair: the salt after ':' is empty; give an unsalted digest without ':'");
    return parse_hex(hex, salt);
}

std::string control_char_error(std::string_view hash) {
    for (std::size_t i = 0; i < hash.size(); ++i) {
        const auto c = static_cast<unsigned char>(hash[i]);
        if (c < 0x20 || c == 0x7f) {
            static constexpr char digits[] = "0123456789abcdef";
            return std::string("the hash contains a control character (0x") + digits[c >> 4] +
                   digits[c & 15] + " at offset " + std::to_string(i) +
                   "); give it exactly as stored, without line endings";
        }
    }
    return {};
}

}  // namespace

ParseResult parse_hash(std::string_view hash) {
    if (hash.empty()) return fail("the hash is empty");
    if (auto e = control_char_error(hash); !e.empty()) return fail(e);
    const bool dollar = hash.starts_with('$');
    const bool django = hash.starts_with("pbkdf2_sha256$") || hash.starts_with("pbkdf2_sha1$");
    const bool spaces = hash.find_first_of(kWhiteSpace) != std::string_view::npos;
    // Only the salt of hash:salt may hold spaces; elsewhere they are a copy-and-paste accident.
    if (spaces && (dollar || django || hash.find(':') == std::string_view::npos))
        return fail("the hash contains white space; give it exactly as stored");

    if (dollar) {
        const auto ident = hash.substr(1, hash.find('$', 1) - 1);
        for (const auto& id : kPbkdf2Idents)
            if (ident == id.ident) return parse_dollar_pbkdf2(hash);
        for (const auto& shape : kCryptShapes)
            if (hash.starts_with(shape.prefix)) return parse_crypt(hash, shape);
        if (hash.starts_with("$2a$") || hash.starts_with("$2b$") || hash.starts_with("$2y$"))
            return parse_bcrypt(hash);
        if (hash.starts_with("$y$")) return parse_yescrypt(hash);
        const auto end = hash.find('$', 1);
        return fail("unrecognised hash format " +
                    quoted(end == std::string_view::npos ? hash : hash.substr(0, end + 1)) +
                    ": expected $1$, $5$, $6$, $2a$, $2b$, $2y$, $y$, $pbkdf2$, $pbkdf2-sha256$ "
                    "or $pbkdf2-sha512$");
    }
    if (django) return parse_django(hash);
    if (hash.find(':') != std::string_view::npos) return parse_salted(hash);
    for (const auto& shape : kHexShapes)
        if (hash.size() == shape.length && is_hex(hash)) return parse_hex(hash, std::nullopt);
    if (hash.size() == 13) {
        if (auto bad = first_bad_char(hash, kCryptChars); !bad.empty())
            return fail(
                "unrecognised hash format: 13 characters as in DES crypt, but DES crypt "
                "uses only [./0-9A-Za-z], got " +
                bad);
        if (auto e = xcrypt_refuses(hash)) return fail("DES crypt hash: " + *e);
        return ok(parsed(HashFormat::des_crypt));
    }
    if (is_hex(hash)) return parse_hex(hash, std::nullopt);
    return fail(
        "unrecognised hash format: not modular crypt ($1$, $5$, $6$, $2b$, $y$), PBKDF2 "
        "($pbkdf2-sha256$..., pbkdf2_sha256$...), a 13-character DES crypt string, a hex digest "
        "of 32, 40, 64 or 128 characters, or hex:salt");
}

std::optional<std::string> crypt_with_setting(std::string_view phrase, std::string_view setting) {
    // crypt(3) reads C strings: a NUL inside would silently shorten the password.
    if (phrase.find('\0') != std::string_view::npos || setting.find('\0') != std::string_view::npos)
        return std::nullopt;
    // Value-initialised: libxcrypt requires a zeroed crypt_data; 32 KiB is too big for a stack.
    auto data = std::make_unique<crypt_data>();
    const std::string pw(phrase), s(setting);
    const char* out = crypt_rn(pw.c_str(), s.c_str(), data.get(), sizeof(crypt_data));
    if (!out) return std::nullopt;
    return std::string(out);
}

}  // namespace detail

std::string_view to_string(HashFormat f) {
    switch (f) {
        case HashFormat::native_pbkdf2_sha256:
            return "pbkdf2-sha256";
        case HashFormat::md5_crypt:
            return "md5-crypt";
        case HashFormat::sha256_crypt:
            return "sha256-crypt";
        case HashFormat::sha512_crypt:
            return "sha512-crypt";
        case HashFormat::des_crypt:
            return "des-crypt";
        case HashFormat::bcrypt:
            return "bcrypt";
        case HashFormat::yescrypt:
            return "yescrypt";
        case HashFormat::pbkdf2_passlib:
            return "pbkdf2 (passlib)";
        case HashFormat::pbkdf2_django:
            return "pbkdf2 (django)";
        case HashFormat::pbkdf2_phc:
            return "pbkdf2 (phc)";
        case HashFormat::raw_md5:
            return "md5";
        case HashFormat::raw_sha1:
            return "sha1";
        case HashFormat::raw_sha256:
            return "sha256";
        case HashFormat::raw_sha512:
            return "sha512";
        case HashFormat::salted_md5:
            return "salted md5";
        case HashFormat::salted_sha1:
            return "salted sha1";
        case HashFormat::salted_sha256:
            return "salted sha256";
        case HashFormat::salted_sha512:
            return "salted sha512";
    }
    return "unknown";
}

HashInspection inspect_hash(std::string_view hash) {
    auto parsed = detail::parse_hash(hash);
    if (!parsed.hash) return {std::nullopt, std::move(parsed.error)};
    if (parsed.hash->format == HashFormat::yescrypt)
        if (auto e = detail::yescrypt_refused(hash)) return {std::nullopt, *e};
    return {parsed.hash->format, {}};
}

}  // namespace drawbridge::core
