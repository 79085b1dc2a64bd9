// The pages the extension answers by itself: a startup failure (naming its kind, never the
// detail, which goes to the trace channel), 503 while stopping, 500 for an app that failed before
// its headers.
#pragma once
#include <string>

namespace isapi_node {

struct Page {
  std::string status;        // "500 Internal Server Error"
  std::string header_block;  // with Content-Type and Content-Length, ending in the blank line
  std::string body;
};

// `detail`, when given (devErrors), follows the explanation as preformatted text.
Page error_page(unsigned status, const std::string& title, const std::string& explanation,
                const std::string& detail = "");

// The page for a request that ended abnormally after it reached the backend: 500 the app failed,
// 502 its JavaScript worker ended while answering, 503 nothing could take it (shutdown, restarts
// given up), 504 it ran out of time.
Page failure_page_for(unsigned status);

}  // namespace isapi_node
