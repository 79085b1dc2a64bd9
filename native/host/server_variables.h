// IIS's server variables, computed from the request and the site. The UNICODE_ and ANSI forms and
// the buffer rules of GetServerVariable live with the callback (session.cc); this file only knows
// names and values (as UTF-8).
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "host/request_info.h"
#include "host/site_config.h"

namespace host {

// The value of a server variable, or nullopt for an unknown name or an absent header (which
// GetServerVariable reports as ERROR_INVALID_INDEX). Names are case-insensitive.
std::optional<std::string> server_variable(const RequestInfo& request, const SiteConfig& site, std::string_view name);

// True for the variables IIS gives in two forms: in the system's ANSI code page (code_page.h) and,
// as UNICODE_<name>, in UTF-16 — the paths and the identities. Headers, the query string and the
// rest are bytes as received, with no UNICODE_ form. Names are case-insensitive.
bool has_unicode_form(std::string_view name);

}  // namespace host
