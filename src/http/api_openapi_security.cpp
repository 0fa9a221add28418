// The OpenAPI operations and schemas of the security routes (api_security.cpp): bans, the safe
// and block lists, the login check and the dashboard's figures.
#include "http/api_internal.h"
#include "http/api_openapi.h"

namespace drawbridge::http::openapi {
using nlohmann::json;

namespace {

json count_map(std::string_view description) {
    return {{"type", "object"},
            {"additionalProperties", {{"type", "integer"}, {"minimum", 0}}},
            {"description", description}};
}

json count() {
    return {{"type", "integer"}, {"minimum", 0}};
}

}  // namespace

std::vector<Operation> security_operations() {
    const json none = json::array();
    const json list_kind = string_enum({"safe", "block"});
    return {
        {"GET",
         "/history/summary",
         "getHistorySummary",
         {query("since", text(),
                "from this time (taken to the start of its bucket; default: 24 buckets before "
                "until)"),
          query("until", text(), "before this time (taken to the end of its bucket; default now)"),
          query("bucket", string_enum({"hour", "day"}), "the width of a bucket (default hour)")},
         nullptr,
         {{"200", reply("every bucket, oldest first", ref("LoginSummary"))}}},
        {"GET",
         "/active_sessions",
         "getActiveSessions",
         none,
         nullptr,
         {{"200", reply("the counts", ref("ActiveSessions"))}}},
        {"GET",
         "/bans",
         "listBans",
         {query("all", {{"type", "boolean"}, {"default", false}},
                "include expired bans (kept to count repeat offences)")},
         nullptr,
         {{"200", reply("the bans", array_of(ref("IpBan")))}}},
        {"DELETE", "/bans/{ip}", "liftBan", none, nullptr, {{"204", empty_reply("lifted")}}},
        {"GET",
         "/nodes",
         "listNodes",
         none,
         nullptr,
         {{"200", reply("every node, by name", array_of(ref("Node")))}}},
        {"DELETE",
         "/nodes/{name}",
         "removeNode",
         none,
         nullptr,
         {{"204", empty_reply("forgotten")}}},
        {"GET",
         "/ip_lists",
         "listIpLists",
         {query("list", list_kind, "only this list")},
         nullptr,
         {{"200", reply("the entries", array_of(ref("IpListEntry")))}}},
        {"POST",
         "/ip_lists",
         "createIpListEntry",
         none,
         json_body(
             object({{"list", list_kind},
                     {"cidr", {{"type", "string"}, {"description", "an address or CIDR block"}}},
                     {"note", {{"type", "string"}, {"description", "why"}}}},
                    {"list", "cidr"})),
         {{"201", reply("added", ref("IpListEntry"))}}},
        {"DELETE",
         "/ip_lists/{entry}",
         "deleteIpListEntry",
         {query("list", list_kind, "the list, when the CIDR is on both")},
         nullptr,
         {{"204", empty_reply("removed")}}},
        {"POST",
         "/login_check",
         "checkLogin",
         none,
         json_body(object({{"username", text()},
                           {"interface", string_enum(interface_names())},
                           {"ip",
                            {{"type", "string"},
                             {"description", "the client's address (default: the caller's)"}}}},
                          {"username", "interface"})),
         {{"200", reply("the verdict", ref("LoginCheck"))}}},
    };
}

void add_security_schemas(json& s) {
    const json text_schema{{"type", "string"}};
    s["IpBan"] = closed_object(
        {{"ip", {{"type", "string"}, {"description", "an IPv4 address or an IPv6 /64"}}},
         {"reason", text_schema},
         {"created_at", time_schema()},
         {"expires_at", time_schema()},
         {"offences", count()},
         {"refusals", count()}});
    s["Node"] = closed_object({{"name", text_schema},
                               {"region", text_schema},
                               {"status", string_enum({"up", "stopped", "missing"})},
                               {"version", text_schema},
                               {"listeners", text_schema},
                               {"started_at", time_schema()},
                               {"heartbeat_at", time_schema()},
                               {"heartbeat_age_seconds", count()},
                               {"stopped_at", nullable(time_schema())}});
    s["IpListEntry"] = closed_object({{"id", id_schema()},
                                      {"list", string_enum({"safe", "block"})},
                                      {"cidr", text_schema},
                                      {"note", text_schema},
                                      {"created_at", time_schema()},
                                      {"refusals", count()}});
    s["LoginCheckReason"] = closed_object(
        {{"failure_type", string_enum(failure_type_names())},
         {"title", text_schema},
         {"detail", {{"type", "string"}, {"description", "for administrators, as logged"}}},
         {"applies_to", array_of(string_enum({"password", "ssh_key", "api_key"}))},
         {"shown_failure_type", string_enum(failure_type_names())},
         {"message", {{"type", "string"}, {"description", "what the client is told"}}}});
    s["LoginCheck"] = closed_object(
        {{"username", text_schema},
         {"interface", string_enum(interface_names())},
         {"ip", text_schema},
         {"user_id", nullable(id_schema())},
         {"admitted",
          {{"type", "boolean"}, {"description", "a login with some valid credential would be"}}},
         {"admitted_with", array_of(string_enum({"password", "ssh_key", "api_key"}))},
         {"reasons", array_of(ref("LoginCheckReason"))},
         {"checks",
          {{"type", "array"}, {"items", text()}, {"description", "the checks made, in order"}}}});
    const json totals = closed_object({{"login", count()},
                                       {"failedlogin", count()},
                                       {"failure_types", count_map("refusals per failure_type")}});
    s["LoginSummary"] = closed_object(
        {{"bucket", string_enum({"hour", "day"})},
         {"since", time_schema()},
         {"until", time_schema()},
         {"buckets", array_of(closed_object(
                         {{"start", time_schema()},
                          {"login", count()},
                          {"failedlogin", count()},
                          {"failure_types", count_map("refusals per failure_type")},
                          {"interfaces", count_map("logins and refusals per interface")}}))},
         {"totals", totals}});
    s["ActiveSessions"] = closed_object(
        {{"sessions", count_map("per interface: this node's logged-in connections and the live "
                                "stored (REST and web) sessions")}});
}

}  // namespace drawbridge::http::openapi
