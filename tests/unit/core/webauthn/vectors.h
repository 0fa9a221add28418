// The committed WebAuthn vectors (vectors.json, made by make_vectors.py; chrome_vectors.json,
// captured from Chrome by capture_chrome.mjs) and small helpers for the tests of core/webauthn.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <variant>

#include "core/webauthn.h"

namespace drawbridge::core::webauthn::testing {

inline nlohmann::json load_vectors(const char* file) {
    const char* src = std::getenv("DRAWBRIDGE_SOURCE_DIR");
    std::ifstream in(std::filesystem::path(src ? src : ".") / "tests" / "unit" / "core" /
                     "webauthn" / file);
    return nlohmann::json::parse(in);
}

inline const nlohmann::json& vectors() {
    static const nlohmann::json loaded = load_vectors("vectors.json");
    return loaded;
}

inline const nlohmann::json& chrome_vectors() {
    static const nlohmann::json loaded = load_vectors("chrome_vectors.json");
    return loaded;
}

// The raw bytes of a base64url field.
inline std::string raw(const nlohmann::json& field) {
    auto bytes = base64url_decode(field.get<std::string>());
    EXPECT_TRUE(bytes.has_value());
    return bytes.value_or("");
}

inline RelyingParty rp() {
    return {"localhost", "https://localhost:8443"};
}

inline const nlohmann::json& credential(const std::string& name) {
    return vectors()["credentials"][name];
}
inline const nlohmann::json& vector_case(const std::string& name) {
    return vectors()["cases"][name];
}

// The error of a result, "" when it succeeded.
template <class T>
std::string error_of(const std::variant<T, Error>& result) {
    if (auto* error = std::get_if<Error>(&result)) return error->message;
    return "";
}

inline std::variant<Registered, Error> register_with(const nlohmann::json& reg,
                                                     const RelyingParty& party = rp(),
                                                     bool require_uv = false) {
    return verify_registration(raw(reg["clientDataJSON"]), raw(reg["attestationObject"]),
                               raw(reg["challenge"]), party, require_uv);
}

inline Assertion assertion_of(const nlohmann::json& a) {
    return {raw(a["credentialId"]), raw(a["clientDataJSON"]), raw(a["authenticatorData"]),
            raw(a["signature"])};
}

}  // namespace drawbridge::core::webauthn::testing
