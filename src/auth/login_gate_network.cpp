// The gate's network checks: those decided by the site and the client address alone (protocol
// switches, region, countries, IP allow lists) and the refusals made when a connection is
// accepted, before any handshake.
#include "auth/gate_context.h"
#include "auth/login_gate.h"
#include "core/crypto.h"

namespace drawbridge::auth {

using core::FailureReason;
using core::Interface;

// The site's protocol switches. Site-wide, so decided before the account is looked up: the
// refusal tells nothing about the name, costs no hashing and scores nothing.
std::optional<Refusal> LoginGate::check_protocol_enabled(Context& ctx) const {
    const auto off = [](std::string_view what, std::string_view setting) {
        return Refusal{FailureReason::protocol_disabled,
                       std::string(what) + " is turned off on this site (site setting " +
                           std::string(setting) + "=false)"};
    };
    switch (ctx.interface) {
        case Interface::sftp:
            if (!ctx.site.sftp_enabled) return off("SFTP", "sftp_enabled");
            break;
        case Interface::ftp:
            if (!ctx.site.ftp_enabled) return off("FTP", "ftp_enabled");
            break;
        case Interface::dav:
            if (!ctx.site.dav_enabled) return off("WebDAV", "dav_enabled");
            break;
        case Interface::restapi:
        case Interface::web:
        case Interface::cli:
            break;  // no switch
    }
    return std::nullopt;
}

std::optional<Refusal> LoginGate::check_region(Context& ctx) const {
    const auto& allowed = ctx.site.allowed_region;
    if (allowed == "all" || allowed == options_.region) return std::nullopt;
    return Refusal{FailureReason::region_mismatch,
                   "Your account must login using a different server, https://" +
                       ctx.site.site_hostname + "."};
}

// A credential sent in clear (plain FTP, plain HTTP) is refused unless the site allows it
// (ssl_required=false) or the user's own ssl_required says otherwise. Decided before the account
// is checked any further or a hash is spent; an unknown name or key follows the site's rule, so
// the answer does not tell which names exist. An API key's user is found by the key's digest, as
// resolve_identity does (no hashing). FTP keeps Files.com's insecure_ftp; WebDAV and REST get
// insecure_http (docs/login-gate.md#failure-reasons).
std::optional<Refusal> LoginGate::check_transport(Context& ctx) const {
    if (ctx.attempt->secure_transport) return std::nullopt;
    bool required = ctx.site.ssl_required;
    std::optional<core::User> u;
    if (ctx.kind == CredentialKind::api_key) {
        if (const std::string* secret = api_key_secret(*ctx.attempt))
            if (auto key = store_.find_api_key_by_digest(
                    core::crypto::to_hex(core::crypto::sha256(*secret))))
                u = store_.find_user(key->user_id);
    } else {
        u = store_.find_user_by_name(ctx.username);
    }
    if (u) {
        if (u->ssl_required == core::SiteDefault::always_require) required = true;
        if (u->ssl_required == core::SiteDefault::never_require) required = false;
        if (required) ctx.user = std::move(u);
    }
    if (!required) return std::nullopt;
    if (ctx.interface == Interface::ftp)
        return Refusal{FailureReason::insecure_ftp,
                       "plain FTP login; the site or the user requires TLS"};
    return Refusal{FailureReason::insecure_http,
                   "login over plain HTTP; the site or the user requires TLS (HTTPS)"};
}

std::optional<std::string> LoginGate::country_database_problem() const {
    if (!options_.countries)
        return std::string("this node has no GeoIP database (node configuration geoip.database)");
    auto state = options_.countries->current();
    if (state.database) return std::nullopt;
    return std::move(state.problem);
}

bool LoginGate::refuses_every_plain_login() {
    return store_.load_site_settings().ssl_required &&
           !store_.any_user_with_ssl_required(core::SiteDefault::never_require);
}

std::optional<core::LoginOutcome> LoginGate::refuse_plain_user(
    Interface interface, std::string_view username, std::string_view ip,
    std::shared_ptr<core::GuessMemo> guesses) {
    Context ctx;
    ctx.interface = interface;
    ctx.username = std::string(username);
    ctx.ip_text = std::string(ip);
    ctx.now = clock_.now();
    ctx.site = store_.load_site_settings();
    // Decided by the site alone: a per-user exception either way would make the reply to USER
    // tell that the name exists. So while any user may log in in clear, every name is asked
    // for its password, and the gate refuses it then (check_transport).
    if (!refuses_every_plain_login()) return std::nullopt;
    core::LoginAttempt a{ctx.username, interface, ctx.ip_text, core::PasswordCredential{}, {}, {}};
    a.secure_transport = false;
    a.guesses = std::move(guesses);  // the same name again is one refusal, not another
    ctx.attempt = &a;
    ctx.ip = core::IpAddress::parse(ip);
    if (ctx.ip)
        if (auto r = security_.check_address(*ctx.ip, true, ctx.site.brute_force_protection))
            return refuse_address(ctx, *r);
    ctx.user = store_.find_user_by_name(username);  // for the log's user_id; not told
    return finish_failure(ctx, {FailureReason::insecure_ftp,
                                "plain FTP; the site requires TLS: refused at USER, before a "
                                "password was sent"});
}

// Files.com's rules: only an allow list blocks every other country; only a deny list blocks
// those; both: the allow list applies and the deny list wins. The IP allow list does not
// override countries. Private and loopback addresses have no country and are not checked.
// Without a usable database the rules fail closed: every address they would check is refused.
std::optional<Refusal> LoginGate::check_country(Context& ctx) const {
    const auto allowed = core::split_list(ctx.site.allowed_countries);
    const auto disallowed = core::split_list(ctx.site.disallowed_countries);
    if ((allowed.empty() && disallowed.empty()) || !ctx.ip || ctx.ip->is_private())
        return std::nullopt;
    auto state =
        options_.countries ? options_.countries->current() : core::CountryDatabaseFile::State{};
    if (!state.database) {
        if (state.problem.empty()) state.problem = *country_database_problem();
        return Refusal{FailureReason::geoip_unavailable,
                       "country rules are set (allowed_countries/disallowed_countries) but " +
                           state.problem +
                           "; logins from public addresses are refused until "
                           "the database is back or the rules are cleared"};
    }
    const auto country = state.database->country_of(*ctx.ip);
    auto listed = [&](const std::vector<std::string>& list) {
        return country && std::any_of(list.begin(), list.end(),
                                      [&](const std::string& c) { return iequals(c, *country); });
    };
    const std::string where = ctx.ip->to_string() + (country ? " is in " + *country
                                                             : " has no country in the GeoIP "
                                                               "database");
    if (!allowed.empty() && !listed(allowed))
        return Refusal{FailureReason::country_mismatch,
                       where + ", not in allowed_countries (" + ctx.site.allowed_countries + ")"};
    if (listed(disallowed))
        return Refusal{
            FailureReason::country_mismatch,
            where + ", which is in disallowed_countries (" + ctx.site.disallowed_countries + ")"};
    return std::nullopt;
}

std::optional<Refusal> LoginGate::check_ip_allowed(Context& ctx) const {
    if (!ctx.ip)
        return Refusal{FailureReason::ip_mismatch, "'" + ctx.ip_text + "' is not an IP address"};
    const bool bypass = ctx.user && ctx.user->bypass_site_allowed_ips;
    core::CidrList allowed;
    auto add = [&](const std::vector<std::string>& items) {
        // Stored lists were validated when set; an entry that no longer parses is skipped.
        for (const auto& item : items)
            if (auto c = core::Cidr::parse(item)) allowed.entries.push_back(*c);
    };
    const auto site_list = core::split_list(ctx.site.allowed_ips);
    if (!bypass) add(site_list);
    if (ctx.user) add(ctx.user->allowed_ips);
    // No list at all means no restriction; otherwise the address must be in one of them.
    const bool restricted =
        (!bypass && !site_list.empty()) || (ctx.user && !ctx.user->allowed_ips.empty());
    if (!restricted || allowed.contains(*ctx.ip)) return std::nullopt;
    std::string which = bypass ? "the user's IP allow list"
                        : (ctx.user && !ctx.user->allowed_ips.empty())
                            ? (site_list.empty() ? "the user's IP allow list"
                                                 : "the site's or the user's IP allow list")
                            : "the site's IP allow list";
    return Refusal{FailureReason::ip_mismatch, ctx.ip->to_string() + " is not in " + which};
}

std::optional<Refusal> LoginGate::admit_connection(Interface interface, std::string_view ip) {
    Context ctx;
    ctx.interface = interface;
    ctx.ip_text = std::string(ip);
    ctx.now = clock_.now();
    ctx.site = store_.load_site_settings();
    ctx.ip = core::IpAddress::parse(ip);
    std::optional<Refusal> refusal;
    if (ctx.ip) {
        if (auto r = security_.check_address(*ctx.ip, true, ctx.site.brute_force_protection)) {
            if (r->first) record_refusal(ctx, {r->reason, r->detail + "; connection refused"});
            return Refusal{r->reason, r->detail};
        }
    }
    if (!ctx.ip) {
        refusal = Refusal{FailureReason::ip_mismatch, "'" + ctx.ip_text + "' is not an IP address"};
    } else if (check_ip_allowed(ctx)) {  // outside the site list (no user given)
        bool admitted = false;
        for (const auto& list : store_.user_ip_allow_lists()) {
            core::CidrList cidrs;
            for (const auto& item : core::split_list(list))
                if (auto c = core::Cidr::parse(item)) cidrs.entries.push_back(*c);
            if (list.empty() || cidrs.contains(*ctx.ip)) {
                admitted = true;
                break;
            }
        }
        if (!admitted)
            refusal = Refusal{FailureReason::ip_mismatch,
                              ctx.ip->to_string() +
                                  " is in no IP allow list (site or user); connection refused "
                                  "before the handshake"};
    }
    if (refusal) record_refusal(ctx, *refusal);
    return refusal;
}

void LoginGate::connection_abandoned(Interface, std::string_view ip) {
    if (auto addr = core::IpAddress::parse(ip))
        security_.record_abandoned(*addr, store_.load_site_settings().brute_force_protection);
}

}  // namespace drawbridge::auth
