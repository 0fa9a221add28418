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

// Pieces shared by the document's source files.
namespace openapi {

// One route's description: its parameters, request body and replies.
struct Operation {
    std::string_view method;
    std::string_view pattern;
    std::string_view id;        // operationId: the method name of a generated client
    nlohmann::json parameters;  // query and header parameters (path ones come from the pattern)
    nlohmann::json body;        // requestBody, or null
    nlohmann::json responses;   // the successes; every operation also has the error reply
};
// The security routes' operations (api_openapi_security.cpp).
std::vector<Operation> security_operations();

nlohmann::json text();
nlohmann::json query(std::string_view name, nlohmann::json schema, std::string_view description);
nlohmann::json json_body(nlohmann::json schema);
nlohmann::json object(nlohmann::json properties, std::vector<std::string> required);
nlohmann::json reply(std::string_view description, nlohmann::json schema);
nlohmann::json empty_reply(std::string_view description);
// An object with exactly these properties, all required.
nlohmann::json closed_object(const nlohmann::json& properties);
nlohmann::json time_schema();
nlohmann::json id_schema();
// The security routes' schemas (IpBan, IpListEntry, LoginCheck, LoginSummary, ActiveSessions).
void add_security_schemas(nlohmann::json& schemas);
// The two-factor routes' operations and schemas (api_openapi_two_factor.cpp).
std::vector<Operation> two_factor_operations();
void add_two_factor_schemas(nlohmann::json& schemas);
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
