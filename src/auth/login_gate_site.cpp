// Reviewing a change of site settings against this node before it is saved: what the node
// cannot enforce is refused, and what would shut out its logins is named, so that `site set`
// and the REST API can ask for confirmation (docs/login-gate.md#site-changes).
#include "auth/gate_context.h"
#include "auth/login_gate.h"

#include <algorithm>
#include <tuple>

namespace drawbridge::auth {

std::vector<Refusal> LoginGate::actor_refusals(const SiteChangeActor& actor,
                                               const core::SiteSettings& site) const {
    Context ctx;
    ctx.interface = actor.interface;
    ctx.username = actor.username;
    ctx.ip_text = actor.ip;
    ctx.now = clock_.now();
    ctx.site = site;
    ctx.ip = core::IpAddress::parse(actor.ip);
    ctx.user = store_.find_user_by_name(actor.username);
    std::vector<Refusal> out;
    for (Check check : {&LoginGate::check_protocol_enabled, &LoginGate::check_country,
                        &LoginGate::check_ip_allowed})
        if (auto r = (this->*check)(ctx)) out.push_back(std::move(*r));
    if (ctx.user)
        if (auto r = check_password_state(ctx)) out.push_back(std::move(*r));
    return out;
}

SiteChangeReview LoginGate::review_site_change(const core::SiteSettings& before,
                                               const core::SiteSettings& after,
                                               const SiteChangeActor* actor) const {
    SiteChangeReview review;
    // Country lists without a database would be stored and then checked nowhere (or, with the
    // gate failing closed, refuse every public address): refuse them here instead.
    for (auto [name, was, now] :
         {std::tuple{"allowed_countries", &before.allowed_countries, &after.allowed_countries},
          std::tuple{"disallowed_countries", &before.disallowed_countries,
                     &after.disallowed_countries}}) {
        if (now->empty() || *now == *was) continue;
        if (auto problem = country_database_problem()) {
            review.error = std::string(name) + ": countries cannot be checked: " + *problem +
                           ". Configure geoip.database (a MaxMind .mmdb country database) on "
                           "every node first";
            return review;
        }
    }

    auto refused_here = [&](const core::SiteSettings& s) {
        return s.allowed_region != "all" && s.allowed_region != options_.region;
    };
    if (refused_here(after) && !refused_here(before))
        review.refusals.push_back(
            "allowed_region=" + after.allowed_region + ": this node's region is '" +
            options_.region +
            "' (node configuration region), so every login on it would be refused "
            "(region_mismatch); only nodes of region '" +
            after.allowed_region + "' would accept logins");
    if (!actor) return review;
    // The administrator's own session is re-admitted on every request under the new settings
    // (readmit): a refusal it did not have before would end it at once and keep it out.
    const auto was = actor_refusals(*actor, before);
    for (const auto& r : actor_refusals(*actor, after)) {
        const bool is_new = std::none_of(was.begin(), was.end(),
                                         [&](const Refusal& w) { return w.reason == r.reason; });
        if (is_new)
            review.refusals.push_back(
                "your own session ('" + actor->username + "' from " + actor->ip + " over " +
                std::string(core::to_string(actor->interface)) + ") would end and its logins be " +
                "refused: " + r.detail + " (" + std::string(core::to_string(r.reason)) + ")");
    }
    return review;
}

}  // namespace drawbridge::auth
