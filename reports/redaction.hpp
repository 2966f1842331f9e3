// Secrets never reach a report: URL passwords and CONNECT passwords are masked before any writer sees them.
#pragma once

#include <string>
#include <string_view>

#include "history/event.hpp"
#include "results/results.hpp"

namespace mqtt::reports {

// "mqtts://alice:s3cret@host:8883" -> "mqtts://alice:***@host:8883", anywhere in free text. A whole string of the
// form "user:pass@host" (no scheme) is treated as a target too.
std::string redact_text(std::string_view text);

// CONNECT passwords become '*' of the same length, in the decoded packet and in the raw bytes (the password is
// the last field of a CONNECT, so the bytes keep their framing and still dissect). Free text is redacted too.
history::Event redact_event(history::Event event);

results::Results redact(const results::Results& results);

}  // namespace mqtt::reports
