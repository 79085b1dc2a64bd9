#include "extension/failure_page.h"

namespace isapi_node {
namespace {

const char* reason_of(unsigned status) {
  switch (status) {
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
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

Page error_page(unsigned status, const std::string& title, const std::string& explanation) {
  Page p;
  p.status = std::to_string(status) + " " + reason_of(status);
  p.body = "<!DOCTYPE html>\n<html><head><title>" + html_escape(title) + "</title></head><body><h1>" +
           std::to_string(status) + " " + html_escape(title) + "</h1><p>" + html_escape(explanation) +
           "</p></body></html>\n";
  p.header_block = "Content-Type: text/html; charset=utf-8\r\nContent-Length: " + std::to_string(p.body.size()) +
                   "\r\nCache-Control: no-store\r\n\r\n";
  return p;
}

}  // namespace isapi_node
