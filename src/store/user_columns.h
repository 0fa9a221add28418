// The users table's columns in the order both stores read them (sqlite_store.cpp,
// pg_accounts.cpp): one list, so that a new column cannot be read by one backend only.
#pragma once

namespace drawbridge::store {

inline constexpr const char* kUserColumns =
    "id, username, email, authentication_method, site_admin, disabled, authenticate_until, "
    "require_password_change, password_hash, password_set_at, password_validity, "
    "password_breached, self_managed, sftp_permission, ftp_permission, dav_permission, "
    "restapi_permission, web_permission, allowed_ips, bypass_site_allowed_ips, user_root, "
    "ssl_required, require_2fa, lockout_expires, last_login_at, last_sftp_login_at, "
    "last_ftp_login_at, last_dav_login_at, last_restapi_login_at, last_web_login_at, created_at";

}  // namespace drawbridge::store
