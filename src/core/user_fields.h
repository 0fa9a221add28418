// One table of a user's fields by their Files.com names: how each reads as text, whether an
// administrator may set it, and how a text value is parsed and checked. The CLI's
// `user show|set` and the REST API both go through it.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/user.h"

namespace drawbridge::core {

struct UserField {
    enum class Kind { text, boolean, time, list, enumeration };
    std::string_view name;
    Kind kind;
    // Empty string means "not set" for optional fields (times).
    std::string (*get)(const User&);
    // nullptr: read-only. Returns an error message, or nullopt after setting the field.
    std::optional<std::string> (*set)(User&, std::string_view) = nullptr;
    // Enumerations: every value the field can hold (the OpenAPI document lists them).
    std::vector<std::string> (*choices)() = nullptr;
};

std::span<const UserField> user_fields();
const UserField* find_user_field(std::string_view name);
// Sets one writable field from text; the error names the field and what it accepts.
std::optional<std::string> set_user_field(User& u, std::string_view name, std::string_view value);

}  // namespace drawbridge::core
