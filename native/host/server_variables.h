// IIS's server variables, computed from the request and the site. The UNICODE_ forms and the
// buffer rules of GetServerVariable live with the callback (callbacks.cc); this file only knows
// names and values.
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

}  // namespace host
