// What every connection and session of the host shares. Owned by the Server; outlives them all.
#pragma once
#include <atomic>

#include "host/auth.h"
#include "host/contract_monitor.h"
#include "host/extension_module.h"
#include "host/iis_pool.h"
#include "host/options.h"
#include "host/session_registry.h"
#include "host/site_config.h"

namespace host {

struct ServerContext {
  const HostOptions& options;
  SiteConfig site;
  Authenticator auth;
  ContractMonitor& monitor;
  ExtensionModule* extension;  // null when GetExtensionVersion refused: requests get 500
  IisPool& iis_pool;           // IIS's threads, which own no connection (iis_pool.h)
  SessionRegistry registry;
  std::atomic<bool> draining{false};  // shutdown began: no new sessions
};

}  // namespace host
