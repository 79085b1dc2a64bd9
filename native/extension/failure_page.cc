#include "extension/failure_page.h"

namespace isapi_node {
namespace {

const char* reason_of(unsigned status) {
  switch (status) {
    case 413: return "Payload Too Large";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "Error";
  }
}

std::string html_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

}  // namespace

Page error_page(unsigned status, const std::string& title, const std::string& explanation,
                const std::string& detail) {
  Page p;
  p.status = std::to_string(status) + " " + reason_of(status);
  p.body = "<!DOCTYPE html>\n<html><head><title>" + html_escape(title) + "</title></head><body><h1>" +
           std::to_string(status) + " " + html_escape(title) + "</h1><p>" + html_escape(explanation) + "</p>" +
           (detail.empty() ? "" : "<pre>" + html_escape(detail) + "</pre>") + "</body></html>\n";
  p.header_block = "Content-Type: text/html; charset=utf-8\r\nContent-Length: " + std::to_string(p.body.size()) +
                   "\r\nCache-Control: no-store\r\n\r\n";
  return p;
}

Page failure_page_for(unsigned status) {
  switch (status) {
    case 502:
      return error_page(502, "Bad Gateway",
                        "The application's JavaScript worker stopped while answering this request; it is being "
                        "restarted. The details are on the isapi-node trace channel.");
    case 503:
      return error_page(503, "Service Unavailable",
                        "The application cannot take requests now (it is stopping, or its workers kept failing); "
                        "try again later. The details are on the isapi-node trace channel.");
    case 504:
      return error_page(504, "Gateway Timeout", "The application did not answer in time.");
    default:
      return error_page(500, "Internal Server Error", "The application failed to answer this request.");
  }
}

}  // namespace isapi_node
