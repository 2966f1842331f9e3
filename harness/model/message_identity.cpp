#include "model/message_identity.hpp"

namespace mqtt::model {

MessageIdentity identify_message(std::string_view topic, const Bytes& payload) {
  static constexpr std::string_view token_prefix = "mh1 ";
  const std::string_view text(reinterpret_cast<const char*>(payload.data()), payload.size());
  if (text.size() > token_prefix.size() && text.substr(0, token_prefix.size()) == token_prefix) {
    auto token = text.substr(token_prefix.size());
    token = token.substr(0, token.find_first_of(" \t\r\n"));
    if (!token.empty()) return MessageIdentity{std::string(token_prefix) + std::string(token), true};
  }
  std::string key;
  key.reserve(6 + topic.size() + 1 + text.size());
  key = "topic:";
  key += topic;
  key.push_back('\0');
  key += text;
  return MessageIdentity{std::move(key), false};
}

}  // namespace mqtt::model
