// The OpenAPI 3.0 document of the REST API (docs/rest-api.md#the-openapi-document), built from
// the route table in api.cpp and the tables the server checks values with.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace drawbridge::http {

// What the document needs to know of a route.
struct RouteDoc {
    std::string_view method;   // "GET"
    std::string_view pattern;  // "/users/{id}" (below /api/v1)
    std::string_view summary;
    bool needs_login;
};

nlohmann::json build_openapi(const std::vector<RouteDoc>& routes);

// The methods and patterns that the document describes in detail; a route without one would be
// served with its summary only, which a unit test refuses.
std::vector<std::pair<std::string_view, std::string_view>> openapi_described_operations();

// Pieces shared by the document's two source files.
namespace openapi {
nlohmann::json component_schemas();
nlohmann::json path_parameter(std::string_view pattern, std::string_view name);
nlohmann::json ref(std::string_view schema_name);
nlohmann::json array_of(nlohmann::json items);
nlohmann::json nullable(nlohmann::json schema);
nlohmann::json string_enum(const std::vector<std::string>& values);
std::vector<std::string> interface_names();
std::vector<std::string> auth_method_names();
std::vector<std::string> action_names();
std::vector<std::string> failure_type_names();
}  // namespace openapi

}  // namespace drawbridge::http
