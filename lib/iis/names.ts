// The names an IIS installation of isapi-node uses, in one place: the install command writes them,
// the uninstall command and the doctor look for them, the docs quote them.

/** The handler mapping's name in web.config (system.webServer/handlers). */
export const HANDLER_NAME = 'isapi-node';

/** The extension DLL, copied beside the app. */
export const EXTENSION_DLL = 'isapi_node.dll';

/** The in-process runtime DLL (MSVC-built; loads libnode.dll), beside the extension. */
export const INPROCESS_DLL = 'isapi_node_inproc.dll';

/** Node's shared library for the in-process model, beside the extension. */
export const LIBNODE_DLL = 'libnode.dll';

/** The extension's configuration: named after the DLL, beside it (native/extension/config.h). */
export const CONFIG_FILE = 'isapi_node.json';

/** The trace file an installation configures, beside the configuration (stderr goes nowhere in w3wp.exe). */
export const TRACE_FILE = 'isapi_node.log';

/** What one install changed, beside the app, for `iis-uninstall` to reverse exactly. */
export const INSTALL_RECORD = 'isapi-node-install.json';

/** IIS's own limit on request bodies (requestFiltering/requestLimits/@maxAllowedContentLength), and ours. */
export const DEFAULT_MAX_REQUEST_BODY_BYTES = 30_000_000;
