// Small helpers shared by the WebDAV source files.
#pragma once

#include <string>
#include <string_view>

#include "http/message.h"

namespace drawbridge::http::davutil {

inline Response text(int status, std::string body) {
    return Response(status, "text/plain; charset=utf-8", std::move(body) + "\n");
}

inline std::string parent_of(const std::string& p) {
    const auto slash = p.rfind('/');
    return slash == 0 || slash == std::string::npos ? "/" : p.substr(0, slash);
}

inline std::string child_of(const std::string& dir, std::string_view name) {
    return dir == "/" ? "/" + std::string(name) : dir + "/" + std::string(name);
}

}  // namespace drawbridge::http::davutil
