#include "views/json.h"

#include "audit/action_log.h"
#include "core/cidr.h"
#include "core/password_policy.h"
#include "core/user_fields.h"

namespace drawbridge::views {

using nlohmann::json;

namespace {

json time_or_null(const std::optional<core::UnixTime>& t) {
    return t ? json(core::format_time(*t)) : json(nullptr);
}

}  // namespace

json to_json(const core::User& u, const core::SiteSettings& site, core::UnixTime now) {
    json j;
    for (const auto& f : core::user_fields()) {
        const std::string v = f.get(u);
        switch (f.kind) {
            case core::UserField::Kind::boolean:
                j[f.name] = (v == "true");
                break;
            case core::UserField::Kind::time:
                j[f.name] = v.empty() ? json(nullptr) : json(v);
                break;
            case core::UserField::Kind::list:
                j[f.name] = core::split_list(v);
                break;
            default:
                j[f.name] = v;
        }
    }
    j["id"] = u.id;
    const auto expiry = core::password_expiry(u, site, now);
    j["password_expire_at"] = time_or_null(expiry.expire_at);
    j["password_days_remaining"] =
        expiry.days_remaining ? json(*expiry.days_remaining) : json(nullptr);
    j["password_expired"] = expiry.expired;
    j["locked_out"] = u.lockout_expires && *u.lockout_expires > now;
    j["active_2fa"] = u.active_2fa;
    return j;
}

json to_json(const core::IpBan& b) {
    return {{"ip", b.ip},
            {"reason", b.reason},
            {"created_at", core::format_time(b.created_at)},
            {"expires_at", core::format_time(b.expires_at)},
            {"offences", b.offences},
            {"refusals", b.refusals}};
}

json to_json(const core::NodeRecord& n, core::UnixTime now) {
    return {{"name", n.name},
            {"region", n.region},
            {"status", std::string(core::node_status(n, now))},
            {"version", n.version},
            {"listeners", n.listeners},
            {"started_at", core::format_time(n.started_at)},
            {"heartbeat_at", core::format_time(n.heartbeat_at)},
            {"heartbeat_age_seconds", now - n.heartbeat_at},
            {"stopped_at", n.stopped_at ? json(core::format_time(*n.stopped_at)) : json(nullptr)}};
}

json nodes_json(const std::vector<core::NodeRecord>& nodes, core::UnixTime now) {
    auto arr = json::array();
    for (const auto& n : nodes) arr.push_back(to_json(n, now));
    return arr;
}

json to_json(const core::IpListEntry& e) {
    return {{"id", e.id},
            {"list", std::string(core::to_string(e.list))},
            {"cidr", e.cidr},
            {"note", e.note},
            {"created_at", core::format_time(e.created_at)},
            {"refusals", e.refusals}};
}

json to_json(const core::ApiKey& k) {
    return {{"id", k.id},
            {"user_id", k.user_id},
            {"name", k.name},
            {"description", k.description},
            {"created_at", core::format_time(k.created_at)},
            {"expires_at", time_or_null(k.expires_at)},
            {"last_use_at", time_or_null(k.last_use_at)}};
}

json to_json(const core::SshKey& k) {
    return {{"id", k.id},
            {"user_id", k.user_id},
            {"title", k.title},
            {"key_type", k.key_type},
            {"fingerprint_sha256", k.fingerprint_sha256},
            {"created_at", core::format_time(k.created_at)},
            {"last_login_at", time_or_null(k.last_login_at)}};
}

json to_json(const core::FolderPermission& p) {
    auto names = json::array();
    for (const auto perm : core::kPermissions)
        if (p.permissions.has(perm)) names.push_back(core::to_string(perm));
    return {{"id", p.id},
            {"user_id", p.user_id},
            {"path", p.path},
            {"permissions", names},
            {"created_at", core::format_time(p.created_at)}};
}

json to_json(const core::ActionLogEntry& e) {
    return {{"id", e.id},
            {"created_at", core::format_time(e.created_at)},
            {"user_id", e.user_id ? json(*e.user_id) : json(nullptr)},
            {"username", e.username},
            {"ip", e.ip},
            {"interface", core::to_string(e.interface)},
            {"action", e.action},
            {"failure_type", core::to_string(e.failure_type)},
            {"failure_title", e.failure_type == core::FailureReason::none
                                  ? std::string_view()
                                  : core::info(e.failure_type).title},
            {"detail", e.detail},
            {"path", e.path},
            {"destination", e.destination},
            {"bytes", e.bytes ? json(*e.bytes) : json(nullptr)},
            {"duration_ms", e.duration_ms ? json(*e.duration_ms) : json(nullptr)},
            {"display", audit::display(e)}};
}

json to_json(const core::OutboxMail& m) {
    return {{"id", m.id},
            {"kind", m.kind},
            {"user_id", m.user_id ? json(*m.user_id) : json(nullptr)},
            {"recipient", m.recipient},
            {"subject", m.subject},
            {"state", core::to_string(m.state)},
            {"attempts", m.attempts},
            {"next_attempt_at", m.state == core::MailState::queued
                                    ? json(core::format_time(m.next_attempt_at))
                                    : json(nullptr)},
            {"last_error", m.last_error},
            {"created_at", core::format_time(m.created_at)},
            {"sent_at", m.sent_at ? json(core::format_time(*m.sent_at)) : json(nullptr)}};
}

namespace {
// One setting as the site page needs it: its kind, default, range or choices, from the same
// table that checks values (core/site_settings.cpp), so the page repeats no rule.
json setting_schema(const core::SettingField& f) {
    const core::SiteSettings defaults;
    json j{{"name", f.name},
           {"description", f.help},
           {"minimum", nullptr},
           {"maximum", nullptr},
           {"choices", json::array()},
           {"secret", f.secret},
           {"not_implemented", f.not_implemented}};
    std::visit(
        [&](auto m) {
            using T = std::decay_t<decltype(defaults.*m)>;
            j["default"] = defaults.*m;
            if constexpr (std::is_same_v<T, bool>) {
                j["type"] = "boolean";
            } else if constexpr (std::is_same_v<T, int>) {
                j["type"] = "integer";
                j["minimum"] = f.min;
                j["maximum"] = f.max;
            } else {
                j["type"] = core::is_list_setting(f) ? "list" : "string";
            }
        },
        f.member);
    for (auto c : core::setting_choices(f)) j["choices"].push_back(c);
    return j;
}
}  // namespace

json site_schema_json() {
    json groups = json::array();
    for (const auto& g : core::site_setting_groups()) {
        json settings = json::array();
        for (auto name : g.settings)
            if (const auto* f = core::find_site_setting(name))
                settings.push_back(setting_schema(*f));
        groups.push_back({{"name", g.name}, {"title", g.title}, {"settings", settings}});
    }
    return {{"groups", groups}};
}

json to_json(const core::SiteSettings& s) {
    json j = json::object();
    for (const auto& f : core::site_setting_fields()) {
        const std::string v = core::displayed_setting_value(s, f);
        std::visit(
            [&](auto m) {
                using T = std::decay_t<decltype(s.*m)>;
                if constexpr (std::is_same_v<T, bool>)
                    j[f.name] = s.*m;
                else if constexpr (std::is_same_v<T, int>)
                    j[f.name] = s.*m;
                else
                    j[f.name] = v;
            },
            f.member);
    }
    return j;
}

json to_json(const auth::Explanation& e) {
    json kinds = json::array();
    for (auto k : e.applies_to) kinds.push_back(auth::to_string(k));
    const auto& info = core::info(e.refusal.reason);
    return {{"failure_type", info.failure_type},
            {"title", info.title},
            {"detail", e.refusal.detail},
            {"applies_to", kinds}};
}

}  // namespace drawbridge::views
