// The OpenAPI document against the code it describes: every route is described, and the reply
// schemas name the properties views::to_json writes. (tests/integration/http/test_openapi.py
// validates the served document and real replies with JSON::Validator.)
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "core/user_fields.h"
#include "http/api.h"
#include "http/api_openapi.h"
#include "views/json.h"

namespace drawbridge::http {
namespace {

using nlohmann::json;

std::set<std::string> keys(const json& object) {
    std::set<std::string> out;
    for (const auto& [k, _] : object.items()) out.insert(k);
    return out;
}

std::set<std::string> schema_properties(const json& doc, const std::string& name) {
    return keys(doc["components"]["schemas"][name]["properties"]);
}

TEST(OpenApi, EveryRouteIsDescribedAndEveryDescriptionIsARoute) {
    const json doc = Api::openapi();
    std::size_t operations = 0;
    for (const auto& [path, ops] : doc["paths"].items())
        for (const auto& [method, op] : ops.items()) {
            ++operations;
            EXPECT_TRUE(op.contains("operationId")) << method << " " << path;
            EXPECT_TRUE(op["responses"].contains("default")) << method << " " << path;
        }
    EXPECT_EQ(operations, openapi_described_operations().size());
}

TEST(OpenApi, ReplySchemasNameWhatTheViewsWrite) {
    const json doc = Api::openapi();
    EXPECT_EQ(schema_properties(doc, "User"),
              keys(views::to_json(core::User{}, core::SiteSettings{}, 0)));
    EXPECT_EQ(schema_properties(doc, "ApiKey"), keys(views::to_json(core::ApiKey{})));
    EXPECT_EQ(schema_properties(doc, "SshKey"), keys(views::to_json(core::SshKey{})));
    EXPECT_EQ(schema_properties(doc, "ActionLogEntry"),
              keys(views::to_json(core::ActionLogEntry{})));
    EXPECT_EQ(schema_properties(doc, "SiteSettings"), keys(views::to_json(core::SiteSettings{})));
    EXPECT_EQ(schema_properties(doc, "SiteSetting"),
              keys(views::site_schema_json()["groups"][0]["settings"][0]));
    EXPECT_EQ(schema_properties(doc, "SiteSettingsUpdate"),
              keys(views::to_json(core::SiteSettings{})));
}

TEST(OpenApi, UserFieldsHaveTheirTypesAndChoices) {
    const json doc = Api::openapi();
    const auto& user = doc["components"]["schemas"]["User"]["properties"];
    const auto& update = doc["components"]["schemas"]["UserUpdate"]["properties"];
    for (const auto& f : core::user_fields()) {
        if (f.kind == core::UserField::Kind::enumeration) {
            ASSERT_NE(f.choices, nullptr) << f.name;
            EXPECT_EQ(user[std::string(f.name)]["enum"].size(), f.choices().size()) << f.name;
        }
        EXPECT_EQ(update.contains(std::string(f.name)), f.set != nullptr) << f.name;
    }
    EXPECT_EQ(user["site_admin"]["type"], "boolean");
    EXPECT_EQ(user["allowed_ips"]["type"], "array");
    EXPECT_EQ(user["id"]["type"], "integer");
    EXPECT_TRUE(user["last_login_at"]["nullable"]);
}

}  // namespace
}  // namespace drawbridge::http
