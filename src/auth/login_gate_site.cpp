// Reviewing a change of site settings against this node before it is saved: what the node
// cannot enforce is refused, and what would shut out its logins is named, so that `site set`
// and the REST API can ask for confirmation (docs/login-gate.md#site-changes).
#include "auth/gate_context.h"
#include "auth/login_gate.h"

#include <tuple>

namespace drawbridge::auth {

SiteChangeReview LoginGate::review_site_change(const core::SiteSettings& before,
                                               const core::SiteSettings& after) const {
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
    return review;
}

}  // namespace drawbridge::auth
