#include "http/message.h"

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

}  // namespace drawbridge::http
