// A test's target URL, parsed: a URL the test wrote that does not parse is the test's own error, thrown with the
// parser's sentence.
#pragma once

#include <stdexcept>
#include <string>
#include <variant>

#include "client/target_url.hpp"

namespace mqtt::client::testing {

inline TargetUrl url_of(const std::string& text) {
  auto result = parse_target_url(text);
  if (auto* error = std::get_if<UrlError>(&result)) throw std::runtime_error(error->describe());
  return std::get<TargetUrl>(result);
}

}  // namespace mqtt::client::testing
