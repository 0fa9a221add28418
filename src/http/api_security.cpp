// REST API: brute-force protection's bans and the safe and block lists (as `drawbridge ban` and
// `drawbridge iplist`), the gate's explanation of a refusal (`drawbridge login check`), and the
// dashboard's figures: logins and refusals over time, and the sessions open now.
#include <algorithm>
#include <ctime>

#include "auth/security_admin.h"
#include "http/api.h"
#include "http/api_internal.h"
#include "http/failure_wire.h"
#include "http/router.h"
#include "http/uri.h"
#include "views/json.h"

namespace drawbridge::http {
using nlohmann::json;
using namespace apiutil;

namespace {

// A change the caller asked for on something that is not there is a 404, not a 400.
template <class Fn>
Response guarded_lookup(Fn&& fn) {
    return guarded([&] {
        try {
            return fn();
        } catch (const auth::NoSuchEntry& e) {
            return api_error(404, e.what());
        }
    });
}

json list_of(const auto& items) {
    json out = json::array();
    for (const auto& i : items) out.push_back(views::to_json(i));
    return out;
}

}  // namespace

auth::SecurityActor Api::security_actor(const Request& req) const {
    return {login_.interface(), req.peer_ip, login_.user().id, login_.user().username};
}

Response Api::bans_list(Request& req) {
    const auto q = parse_query(req.target);
    const auto all = q.find("all");
    if (all != q.end() && all->second != "true" && all->second != "false")
        return api_error(400, "all: expected true or false");
    return json_reply(
        200, list_of(services_.gate.security().bans(all != q.end() && all->second == "true")));
}

Response Api::bans_lift(Request& req) {
    return guarded_lookup([&] {
        auth::SecurityAdmin admin(services_.gate.security(), services_.log);
        admin.lift_ban(params_.at("ip"), security_actor(req));
        return Response(204);
    });
}

Response Api::ip_lists_list(Request& req) {
    const auto q = parse_query(req.target);
    return guarded([&] {
        std::optional<core::IpListKind> kind;
        if (q.contains("list")) kind = auth::parse_list_text(q.at("list"));
        return json_reply(200, list_of(services_.gate.security().list(kind)));
    });
}

Response Api::ip_lists_create(Request& req) {
    auto body = body_object(req);
    if (!body || !(*body)["list"].is_string() || !(*body)["cidr"].is_string())
        return api_error(
            400, "expected {\"list\": \"safe\" or \"block\", \"cidr\": ..., \"note\": ...}");
    const auto note = optional_text(*body, "note");
    if (!note) return api_error(400, "note: expected a string");
    return guarded([&] {
        auth::SecurityAdmin admin(services_.gate.security(), services_.log);
        const auto e =
            admin.add_to_list(auth::parse_list_text((*body)["list"].get<std::string>()),
                              (*body)["cidr"].get<std::string>(), *note, security_actor(req));
        return json_reply(201, views::to_json(e));
    });
}

// The entry is its id, or its CIDR (whose '/' the route takes as part of it) with ?list= when
// the CIDR is on both lists.
Response Api::ip_lists_delete(Request& req) {
    const std::string entry = params_.at("entry").substr(1);
    const auto q = parse_query(req.target);
    return guarded_lookup([&] {
        std::optional<core::IpListKind> kind;
        if (q.contains("list")) kind = auth::parse_list_text(q.at("list"));
        const auto entries = services_.gate.security().list(kind);
        std::vector<core::IpListEntry> found;
        const bool by_id = !entry.empty() && std::all_of(entry.begin(), entry.end(), [](char c) {
            return c >= '0' && c <= '9';
        });
        const std::string cidr = by_id ? "" : auth::parse_cidr_text(entry).to_string();
        for (const auto& e : entries)
            if (by_id ? std::to_string(e.id) == entry : e.cidr == cidr) found.push_back(e);
        if (found.empty()) throw auth::NoSuchEntry("no entry " + entry + " on the lists");
        if (found.size() > 1)
            throw auth::AccountError(cidr + " is on both lists: say which with ?list=");
        auth::SecurityAdmin admin(services_.gate.security(), services_.log);
        admin.remove_from_list(found[0].list, found[0].cidr, security_actor(req));
        return Response(204);
    });
}

// The gate's explain(), which runs every check that needs no credential and records nothing:
// no password is hashed, no address scored, no login logged.
Response Api::login_check(Request& req) {
    auto body = body_object(req);
    if (!body || !(*body)["username"].is_string() || !(*body)["interface"].is_string())
        return api_error(400, "expected {\"username\": ..., \"interface\": ..., \"ip\": ...}");
    const auto ip_text = optional_text(*body, "ip");
    if (!ip_text) return api_error(400, "ip: expected a string");
    const std::string ip = ip_text->empty() ? req.peer_ip : *ip_text;
    if (!core::IpAddress::parse(ip)) return api_error(400, "ip: '" + ip + "' is not an IP address");
    const auto interface = core::parse_interface((*body)["interface"].get<std::string>());
    if (!interface)
        return api_error(400, "interface: expected sftp, ftp, dav, restapi, web or cli");
    const auto username = (*body)["username"].get<std::string>();
    const auto reasons = services_.gate.explain(username, *interface, ip);
    json out = json::array();
    for (const auto& r : reasons) {
        auto j = views::to_json(r);
        const auto shown =
            r.refusal.shown == core::FailureReason::none ? r.refusal.reason : r.refusal.shown;
        j["message"] = login_error_text(shown, r.refusal.detail);
        j["shown_failure_type"] = core::to_string(shown);
        out.push_back(std::move(j));
    }
    // The kinds of credential no reason applies to: a login with one of them would be admitted.
    json admitted_with = json::array();
    for (const auto kind : {auth::CredentialKind::password, auth::CredentialKind::ssh_key,
                            auth::CredentialKind::api_key}) {
        const bool refused = std::any_of(reasons.begin(), reasons.end(), [&](const auto& r) {
            return std::find(r.applies_to.begin(), r.applies_to.end(), kind) != r.applies_to.end();
        });
        if (!refused) admitted_with.push_back(auth::to_string(kind));
    }
    const auto user = services_.store.find_user_by_name(username);
    return json_reply(200, {{"username", username},
                            {"interface", core::to_string(*interface)},
                            {"ip", ip},
                            {"user_id", user ? json(user->id) : json(nullptr)},
                            {"admitted", !admitted_with.empty()},
                            {"admitted_with", admitted_with},
                            {"reasons", out},
                            {"checks", auth::LoginGate::explained_checks(user.has_value())}});
}

Response Api::history_summary(Request& req) {
    const auto q = parse_query(req.target);
    const auto bucket_name = q.contains("bucket") ? q.at("bucket") : std::string("hour");
    if (bucket_name != "hour" && bucket_name != "day")
        return api_error(400, "bucket: expected hour or day");
    const core::UnixTime bucket = bucket_name == "hour" ? 3600 : 86400;
    std::optional<core::UnixTime> since, until;
    for (const auto& [name, field] : {std::pair{"since", &since}, std::pair{"until", &until}}) {
        if (!q.contains(name)) continue;
        *field = core::parse_time(q.at(name));
        if (!*field)
            return api_error(400,
                             std::string(name) + ": expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ");
    }
    // Whole buckets: the one holding `until` (now by default) is the last.
    const core::UnixTime end =
        ((until.value_or(std::time(nullptr)) + bucket - 1) / bucket) * bucket;
    const core::UnixTime start =
        since ? (*since / bucket) * bucket : end - kSummaryDefaultBuckets * bucket;
    if (start >= end) return api_error(400, "since: must be before until");
    if ((end - start) / bucket > kSummaryMaxBuckets)
        return api_error(400, "at most " + std::to_string(kSummaryMaxBuckets) +
                                  " buckets: narrow since/until or use bucket=day");
    // Every bucket, the empty ones too, so that a chart needs no gaps filled.
    json buckets = json::array();
    for (core::UnixTime t = start; t < end; t += bucket)
        buckets.push_back({{"start", core::format_time(t)},
                           {"login", 0},
                           {"failedlogin", 0},
                           {"failure_types", json::object()},
                           {"interfaces", json::object()}});
    json totals = {{"login", 0}, {"failedlogin", 0}, {"failure_types", json::object()}};
    for (const auto& c : services_.store.count_logins(start, end, bucket)) {
        if (c.start < start || c.start >= end) continue;
        auto& b = buckets[static_cast<std::size_t>((c.start - start) / bucket)];
        b[c.action] = b[c.action].get<std::int64_t>() + c.count;
        totals[c.action] = totals[c.action].get<std::int64_t>() + c.count;
        const std::string iface(core::to_string(c.interface));
        b["interfaces"][iface] = b["interfaces"].value(iface, std::int64_t{0}) + c.count;
        if (c.action != "failedlogin") continue;
        const std::string type(core::to_string(c.failure_type));
        b["failure_types"][type] = b["failure_types"].value(type, std::int64_t{0}) + c.count;
        totals["failure_types"][type] =
            totals["failure_types"].value(type, std::int64_t{0}) + c.count;
    }
    return json_reply(200, {{"bucket", bucket_name},
                            {"since", core::format_time(start)},
                            {"until", core::format_time(end)},
                            {"buckets", buckets},
                            {"totals", totals}});
}

Response Api::nodes_list(Request&) {
    return json_reply(200, views::nodes_json(services_.store.list_nodes(), std::time(nullptr)));
}

Response Api::nodes_remove(Request&) {
    if (!services_.store.delete_node(params_.at("name")))
        return api_error(404, "no node named '" + params_.at("name") + "' in the registry");
    return Response(204);
}

// Per interface: the logged-in connections this node holds (sftp, ftp, dav, and API-key
// connections) and the live stored sessions (REST tokens and web sign-ins, every node's).
Response Api::active_sessions(Request&) {
    json counts = json::object();
    for (const auto i : core::kInterfaces)
        if (i != core::Interface::cli)
            counts[std::string(core::to_string(i))] = services_.gate.open_sessions(i);
    for (const auto& [i, n] : services_.sessions.count_live()) {
        auto& c = counts[std::string(core::to_string(i))];
        c = c.get<int>() + n;
    }
    return json_reply(200, {{"sessions", counts}});
}

}  // namespace drawbridge::http
