// A session's factors as the text both stores keep in sessions.factors ("password,api_key").
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "core/login.h"

namespace drawbridge::store {

inline constexpr std::pair<core::Factor, std::string_view> kFactorNames[] = {
    {core::Factor::password, "password"},
    {core::Factor::ssh_key, "ssh_key"},
    {core::Factor::api_key, "api_key"},
    {core::Factor::second_factor, "second_factor"},
};

inline std::string factors_text(const std::set<core::Factor>& factors) {
    std::string out;
    for (const auto& [factor, name] : kFactorNames)
        if (factors.contains(factor)) out += (out.empty() ? "" : ",") + std::string(name);
    return out;
}

// An unknown name (a newer binary's factor) is dropped: the session then rests on less than
// it did, never on more.
inline std::set<core::Factor> parse_factors(std::string_view text) {
    std::set<core::Factor> out;
    while (!text.empty()) {
        const auto comma = text.find(',');
        const auto name = text.substr(0, comma);
        for (const auto& [factor, known] : kFactorNames)
            if (name == known) out.insert(factor);
        text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    }
    return out;
}

}  // namespace drawbridge::store
