// The one redaction point: every output of mqtt-harness (stdout with --json, stderr, every report file,
// history.jsonl, history.pcap, probe's lines) passes what it prints through these functions first, so a
// secret has exactly one place that decides what it looks like once masked.
//
// Secrets are URL passwords (`mqtt://user:PASSWORD@host`) in any free text and CONNECT passwords, in the decoded
// packet and in the raw bytes. A mask has a fixed length (`redaction_mask`), so neither the text nor the bytes
// tell how long the password was.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "codec/packet.hpp"
#include "history/event.hpp"
#include "results/results.hpp"

namespace mqtt::reports {

// What every password becomes, whatever its length (an empty password too).
inline constexpr std::string_view redaction_mask = "***";

// "mqtts://alice:s3cret@host:8883" -> "mqtts://alice:***@host:8883", anywhere in free text. The password runs
// to the last '@' of the word, so one holding '@', '/' or '?' is masked whole. A whole string of the form
// "user:pass@host" (no scheme, no space) is treated as a target too.
std::string redact_text(std::string_view text);

// A target URL exactly as the user typed it, even one that does not parse (for "bad URL" messages): everything
// between the first ':' after the scheme and the last '@' is masked.
std::string redact_target(std::string_view url);

// The bytes of a CONNECT with its password replaced by the mask, the password length and the remaining
// length re-framed so the packet still dissects. A CONNECT whose fields cannot be followed up to the password
// keeps only the bytes before the field that could not be read. nullopt: nothing to mask (not a CONNECT, no
// password, or already masked).
struct MaskedConnect {
  Bytes bytes;
  std::size_t withheld = 0;  // bytes cut because they could not be shown to hold no password
};
std::optional<MaskedConnect> mask_connect_password(const Bytes& raw);

// CONNECT passwords become the mask in the decoded packet and in the raw bytes; free text is redacted too.
history::Event redact_event(history::Event event);
// True when redact_event would change something.
bool needs_redaction(const history::Event& event);

void redact_in_place(results::Results& results);
results::Results redact(const results::Results& results);
bool needs_redaction(const results::Results& results);

// `results` itself when nothing in it needs masking (a run redacted once by the command), otherwise a
// redacted copy held in `storage`: every writer calls this, and a large history is not copied per format.
const results::Results& redacted(const results::Results& results, std::optional<results::Results>& storage);

}  // namespace mqtt::reports
