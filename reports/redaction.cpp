#include "reports/redaction.hpp"

#include <algorithm>

namespace mqtt::reports {
namespace {

bool ends_userinfo(char character) {
  return character == '/' || character == '?' || character == '#' || character == ' ' || character == '\t' ||
         character == '\n' || character == '"' || character == '\'' || character == '<' || character == '>';
}

// Masks the password of a userinfo that starts at `start` (just after "://" or at the beginning of a target).
// Returns where scanning should continue.
std::size_t mask_userinfo(std::string& text, std::size_t start) {
  std::size_t at = start;
  while (at < text.size() && text[at] != '@' && !ends_userinfo(text[at])) ++at;
  if (at >= text.size() || text[at] != '@') return start;
  const std::size_t colon = text.find(':', start);
  if (colon == std::string::npos || colon > at) return at + 1;
  text.replace(colon + 1, at - colon - 1, "***");
  return colon + 5;
}

}  // namespace

std::string redact_text(std::string_view input) {
  std::string text(input);
  std::size_t position = 0;
  bool found_scheme = false;
  while ((position = text.find("://", position)) != std::string::npos) {
    found_scheme = true;
    position = mask_userinfo(text, position + 3);
  }
  if (!found_scheme && text.find(' ') == std::string::npos) mask_userinfo(text, 0);
  return text;
}

history::Event redact_event(history::Event event) {
  if (event.packet) {
    if (auto* connect = std::get_if<Connect>(&*event.packet); connect && connect->password) {
      Bytes& password = *connect->password;
      const auto length = password.size();
      if (length > 0 && event.raw.size() >= length &&
          std::equal(password.begin(), password.end(), event.raw.end() - static_cast<std::ptrdiff_t>(length))) {
        std::fill(event.raw.end() - static_cast<std::ptrdiff_t>(length), event.raw.end(), std::uint8_t{'*'});
      }
      std::fill(password.begin(), password.end(), std::uint8_t{'*'});
    }
  }
  event.detail = redact_text(event.detail);
  return event;
}

results::Results redact(const results::Results& input) {
  results::Results results = input;
  results.target = redact_text(results.target);
  auto redact_violation = [](results::Violation& violation) {
    violation.message = redact_text(violation.message);
    for (auto& event : violation.history_slice) event = redact_event(std::move(event));
  };
  for (auto& result : results.cases) {
    result.message = redact_text(result.message);
    for (auto& step : result.steps) step = redact_text(step);
    for (auto& violation : result.violations) redact_violation(violation);
    for (auto& event : result.history) event = redact_event(std::move(event));
  }
  for (auto& violation : results.violations) redact_violation(violation);
  for (auto& observation : results.observed) observation.detail = redact_text(observation.detail);
  return results;
}

}  // namespace mqtt::reports
