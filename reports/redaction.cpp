#include "reports/redaction.hpp"

#include <algorithm>

#include "codec/encoder.hpp"

namespace mqtt::reports {
namespace {

// ---- free text -------------------------------------------------------------------------------------------

// A URL ends at white space, a quote or an angle bracket; '/', '?', '#' and '@' may all sit inside a password
// typed without percent-escapes, so they do not end it.
bool ends_word(char character) {
  return character == ' ' || character == '\t' || character == '\n' || character == '\r' || character == '"' ||
         character == '\'' || character == '<' || character == '>' || character == '`';
}

bool has_white_space(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; });
}

// Masks the password of a userinfo that starts at `start` (just after "://" or at the beginning of a target):
// from the first ':' to the last '@' of the word. Returns where scanning continues.
std::size_t mask_userinfo(std::string& text, std::size_t start) {
  std::size_t word_end = start;
  while (word_end < text.size() && !ends_word(text[word_end])) ++word_end;
  const std::string_view word = std::string_view(text).substr(start, word_end - start);
  const std::size_t at = word.rfind('@');
  if (at == std::string_view::npos) return word_end;
  const std::size_t colon = word.find(':');
  if (colon == std::string_view::npos || colon > at) return word_end;
  text.replace(start + colon + 1, at - colon - 1, redaction_mask);
  return start + colon + 1 + redaction_mask.size() + 1;
}

// ---- CONNECT bytes ---------------------------------------------------------------------------------------

constexpr std::uint8_t username_flag = 0x80;
constexpr std::uint8_t password_flag = 0x40;
constexpr std::uint8_t will_flag = 0x04;
constexpr std::uint8_t protocol_level_5 = 5;

// A read position inside a CONNECT's bytes; every read checks the end first and never moves past it.
class FieldReader {
 public:
  FieldReader(const Bytes& bytes, std::size_t position, std::size_t end)
      : bytes_(bytes), position_(position), end_(end) {}

  std::size_t position() const { return position_; }

  bool byte(std::uint8_t& out) {
    if (position_ >= end_) return false;
    out = bytes_[position_++];
    return true;
  }

  bool two_bytes(std::uint16_t& out) {
    if (end_ - position_ < 2) return false;
    out = static_cast<std::uint16_t>(bytes_[position_] << 8 | bytes_[position_ + 1]);
    position_ += 2;
    return true;
  }

  bool skip(std::size_t count) {
    if (end_ - position_ < count) return false;
    position_ += count;
    return true;
  }

  // MQTT's variable byte integer: at most four bytes.
  bool variable_length(std::uint32_t& out) {
    out = 0;
    for (int index = 0; index < 4; ++index) {
      std::uint8_t next = 0;
      if (!byte(next)) return false;
      out |= static_cast<std::uint32_t>(next & 0x7F) << (7 * index);
      if ((next & 0x80) == 0) return true;
    }
    return false;
  }

  // A two-byte length and that many bytes (strings and binary data).
  bool prefixed_field() {
    std::uint16_t length = 0;
    return two_bytes(length) && skip(length);
  }

  // A variable-byte length and that many bytes (MQTT 5 properties).
  bool property_block() {
    std::uint32_t length = 0;
    return variable_length(length) && skip(length);
  }

 private:
  const Bytes& bytes_;
  std::size_t position_;
  std::size_t end_;
};

// Where the password of a CONNECT sits, or where reading stopped before it could be found or ruled out.
struct ConnectLayout {
  bool is_connect = false;
  std::size_t remaining_length_end = 0;  // first byte after the fixed header
  std::uint32_t remaining_length = 0;
  bool has_password = false;
  std::size_t password_field = 0;  // the two-byte length
  std::size_t password_begin = 0;
  std::size_t password_end = 0;
  std::optional<std::size_t> unreadable_from;
};

ConnectLayout connect_layout(const Bytes& raw) {
  ConnectLayout layout;
  if (raw.empty() || (raw[0] >> 4) != 1) return layout;
  layout.is_connect = true;
  FieldReader header(raw, 1, raw.size());
  if (!header.variable_length(layout.remaining_length)) {
    layout.unreadable_from = 1;
    return layout;
  }
  layout.remaining_length_end = header.position();
  const std::size_t body_end =
      std::min(raw.size(), layout.remaining_length_end + static_cast<std::size_t>(layout.remaining_length));
  FieldReader reader(raw, layout.remaining_length_end, body_end);
  // Each step reads one field; the first that fails marks where the bytes stop being shown.
  auto read = [&](auto&& step) {
    const std::size_t start = reader.position();
    if (step()) return true;
    layout.unreadable_from = start;
    return false;
  };
  std::uint8_t level = 0;
  std::uint8_t flags = 0;
  std::uint16_t keep_alive = 0;
  if (!read([&] { return reader.prefixed_field(); })) return layout;  // protocol name
  if (!read([&] { return reader.byte(level) && reader.byte(flags); })) return layout;
  if ((flags & password_flag) == 0) return layout;  // by the protocol, no password follows
  if (!read([&] { return reader.two_bytes(keep_alive); })) return layout;
  if (level == protocol_level_5 && !read([&] { return reader.property_block(); })) return layout;
  if (!read([&] { return reader.prefixed_field(); })) return layout;  // client id
  if ((flags & will_flag) != 0) {
    if (level == protocol_level_5 && !read([&] { return reader.property_block(); })) return layout;
    if (!read([&] { return reader.prefixed_field() && reader.prefixed_field(); })) return layout;
  }
  if ((flags & username_flag) != 0 && !read([&] { return reader.prefixed_field(); })) return layout;
  layout.password_field = reader.position();
  std::uint16_t length = 0;
  if (!read([&] { return reader.two_bytes(length) && reader.skip(length); })) return layout;
  layout.has_password = true;
  layout.password_begin = layout.password_field + 2;
  layout.password_end = reader.position();
  return layout;
}

void put_variable_length(Bytes& out, std::uint32_t value) {
  do {
    std::uint8_t next = value & 0x7F;
    value >>= 7;
    if (value > 0) next |= 0x80;
    out.push_back(next);
  } while (value > 0);
}

bool is_mask(const Bytes& bytes, std::size_t begin, std::size_t end) {
  return end - begin == redaction_mask.size() &&
         std::equal(bytes.begin() + static_cast<std::ptrdiff_t>(begin),
                    bytes.begin() + static_cast<std::ptrdiff_t>(end), redaction_mask.begin());
}

bool is_mask(const Bytes& password) { return is_mask(password, 0, password.size()); }

Bytes mask_bytes() { return Bytes(redaction_mask.begin(), redaction_mask.end()); }

const Connect* connect_of(const history::Event& event) {
  return event.packet ? std::get_if<Connect>(&*event.packet) : nullptr;
}

bool text_needs_redaction(std::string_view text) {
  return text.find('@') != std::string_view::npos && redact_text(text) != text;
}

}  // namespace

std::string redact_text(std::string_view input) {
  std::string text(input);
  if (text.find('@') == std::string::npos) return text;  // no userinfo without an '@'
  std::size_t position = 0;
  bool found_scheme = false;
  while ((position = text.find("://", position)) != std::string::npos) {
    found_scheme = true;
    position = mask_userinfo(text, position + 3);
  }
  if (!found_scheme && !has_white_space(text)) mask_userinfo(text, 0);
  return text;
}

std::string redact_target(std::string_view url) {
  const auto scheme_end = url.find("://");
  const std::size_t authority = scheme_end == std::string_view::npos ? 0 : scheme_end + 3;
  const auto at = url.rfind('@');
  if (at == std::string_view::npos || at < authority) return std::string(url);
  const auto colon = url.find(':', authority);
  if (colon == std::string_view::npos || colon > at) return std::string(url);
  return std::string(url.substr(0, colon + 1)) + std::string(redaction_mask) + std::string(url.substr(at));
}

std::optional<MaskedConnect> mask_connect_password(const Bytes& raw) {
  const ConnectLayout layout = connect_layout(raw);
  if (!layout.is_connect) return std::nullopt;
  if (layout.unreadable_from) {
    if (*layout.unreadable_from >= raw.size()) return std::nullopt;
    return MaskedConnect{Bytes(raw.begin(), raw.begin() + static_cast<std::ptrdiff_t>(*layout.unreadable_from)),
                         raw.size() - *layout.unreadable_from};
  }
  if (!layout.has_password || is_mask(raw, layout.password_begin, layout.password_end)) return std::nullopt;
  const std::uint32_t remaining = layout.remaining_length -
                                  static_cast<std::uint32_t>(layout.password_end - layout.password_begin) +
                                  static_cast<std::uint32_t>(redaction_mask.size());
  MaskedConnect masked;
  Bytes& out = masked.bytes;
  out.reserve(raw.size() + redaction_mask.size() + 4);
  out.push_back(raw[0]);
  put_variable_length(out, remaining);
  out.insert(out.end(), raw.begin() + static_cast<std::ptrdiff_t>(layout.remaining_length_end),
             raw.begin() + static_cast<std::ptrdiff_t>(layout.password_field));
  out.push_back(0);
  out.push_back(static_cast<std::uint8_t>(redaction_mask.size()));
  out.insert(out.end(), redaction_mask.begin(), redaction_mask.end());
  out.insert(out.end(), raw.begin() + static_cast<std::ptrdiff_t>(layout.password_end), raw.end());
  return masked;
}

bool needs_redaction(const history::Event& event) {
  if (const Connect* connect = connect_of(event); connect && connect->password && !is_mask(*connect->password)) {
    return true;
  }
  if (!event.raw.empty() && (event.raw[0] >> 4) == 1 && mask_connect_password(event.raw)) return true;
  return text_needs_redaction(event.detail);
}

history::Event redact_event(history::Event event) {
  bool packet_had_password = false;
  if (event.packet) {
    if (auto* connect = std::get_if<Connect>(&*event.packet); connect && connect->password) {
      packet_had_password = !is_mask(*connect->password);
      connect->password = mask_bytes();
    }
  }
  if (!event.raw.empty()) {
    if (auto masked = mask_connect_password(event.raw)) {
      event.raw = std::move(masked->bytes);
      if (masked->withheld > 0) {
        event.detail += std::string(event.detail.empty() ? "" : "; ") + std::to_string(masked->withheld) +
                        " byte(s) withheld: a CONNECT that cannot be read up to its password may hold one";
      }
    } else if (packet_had_password) {
      // The decoded packet has a password the bytes did not show where expected: show the masked packet's
      // own encoding rather than bytes that might hold it.
      event.raw = encode(*event.packet);
    }
  }
  if (text_needs_redaction(event.detail)) event.detail = redact_text(event.detail);
  return event;
}

namespace {

void redact_string(std::string& text) {
  if (text_needs_redaction(text)) text = redact_text(text);
}

void redact_events(std::vector<history::Event>& events) {
  for (auto& event : events) {
    if (needs_redaction(event)) event = redact_event(std::move(event));
  }
}

void redact_violation(results::Violation& violation) {
  redact_string(violation.message);
  redact_events(violation.history_slice);
}

bool any_event_needs_redaction(const std::vector<history::Event>& events) {
  return std::any_of(events.begin(), events.end(), [](const history::Event& event) { return needs_redaction(event); });
}

bool violation_needs_redaction(const results::Violation& violation) {
  return text_needs_redaction(violation.message) || any_event_needs_redaction(violation.history_slice);
}

}  // namespace

void redact_in_place(results::Results& results) {
  redact_string(results.target);
  redact_string(results.target_problem);
  for (auto& result : results.cases) {
    redact_string(result.title);
    redact_string(result.message);
    for (auto& step : result.steps) redact_string(step);
    for (auto& violation : result.violations) redact_violation(violation);
    redact_events(result.history);
  }
  for (auto& violation : results.violations) redact_violation(violation);
  for (auto& observation : results.observed) redact_string(observation.detail);
}

results::Results redact(const results::Results& input) {
  results::Results results = input;
  redact_in_place(results);
  return results;
}

bool needs_redaction(const results::Results& results) {
  if (text_needs_redaction(results.target) || text_needs_redaction(results.target_problem)) return true;
  for (const auto& result : results.cases) {
    if (text_needs_redaction(result.title) || text_needs_redaction(result.message)) return true;
    for (const auto& step : result.steps) {
      if (text_needs_redaction(step)) return true;
    }
    for (const auto& violation : result.violations) {
      if (violation_needs_redaction(violation)) return true;
    }
    if (any_event_needs_redaction(result.history)) return true;
  }
  for (const auto& violation : results.violations) {
    if (violation_needs_redaction(violation)) return true;
  }
  return std::any_of(results.observed.begin(), results.observed.end(),
                     [](const results::Observation& observation) { return text_needs_redaction(observation.detail); });
}

const results::Results& redacted(const results::Results& results, std::optional<results::Results>& storage) {
  if (!needs_redaction(results)) return results;
  storage = redact(results);
  return *storage;
}

}  // namespace mqtt::reports
