// Enhanced authentication (MQTT 5.0 section 4.12) with one method of the broker's own, "mh-challenge", so that
// cases can exercise the AUTH exchange on a broker that supports a method: the server answers a CONNECT naming it
// with AUTH 0x18 (Continue authentication) carrying the challenge, and the client's AUTH 0x18 must carry the answer
// "mh-answer". Then the CONNECT goes on as any other and the CONNACK names the method [MQTT-4.12.0-5]; a wrong
// answer gets CONNACK 0x87 and the close [MQTT-4.12.0-4]. Re-authentication (the client's AUTH 0x19) runs the same
// challenge and ends with AUTH 0x00, or with DISCONNECT 0x87 and the close [MQTT-4.12.1-2]. A fixed secret for
// tests, not a security mechanism. Any other method is refused with 0x8C (or 0x87) [MQTT-4.12.0-1].
#include "broker/core.hpp"

#include "broker/message_properties.hpp"
#include "broker/mqtt5_reason_codes.hpp"
#include "codec/decoder.hpp"
#include "codec/encoder.hpp"

namespace mqtt::broker {

namespace {

constexpr std::string_view challenge_method = "mh-challenge";
constexpr std::string_view challenge_text = "mh-challenge-1";
constexpr std::string_view expected_answer = "mh-answer";
constexpr std::uint8_t continue_authentication = 0x18;
constexpr std::uint8_t reauthenticate = 0x19;

std::optional<std::string> string_of(const Properties& properties, PropertyId id) {
  for (const Property& property : properties) {
    if (property.id == id) {
      if (const auto* text = std::get_if<std::string>(&property.value)) return *text;
    }
  }
  return std::nullopt;
}

bool answer_is_right(const Auth& auth) {
  for (const Property& property : auth.properties) {
    if (property.id != PropertyId::authentication_data) continue;
    const auto* data = std::get_if<Bytes>(&property.value);
    return data != nullptr && std::string(data->begin(), data->end()) == expected_answer;
  }
  return false;
}

}  // namespace

std::string Connection::declared_authentication_method() const {
  std::string method(challenge_method);
  if (core_->has(Defect::authentication_method_changed)) method += "-v2";  // not the CONNECT's [MQTT-4.12.0-5]
  return method;
}

Auth Connection::authentication_challenge() const {
  Auth challenge{ProtocolVersion::v5, continue_authentication, {}};
  add_property(challenge.properties, PropertyId::authentication_method, declared_authentication_method());
  add_property(challenge.properties, PropertyId::authentication_data, Bytes(challenge_text.begin(), challenge_text.end()));
  // A Reason String where Request Problem Information allows it: send() leaves it out, then the User Properties,
  // when the AUTH would exceed the client's Maximum Packet Size [MQTT-3.15.2-2, MQTT-3.15.2-3].
  add_problem_information(challenge.properties, PacketType::auth, std::span(&challenge.reason_code, 1));
  if (core_->has(Defect::authentication_user_property_beyond_maximum_packet_size)) {
    add_property(challenge.properties, PropertyId::user_property,
                 StringPair{"explanation", "the user-property defect adds this text to every AUTH it sends, long "
                                           "enough that no small Maximum Packet Size holds it"});
  }
  return challenge;
}

bool Connection::begin_authentication(Connect& connect) {
  if (client_.authentication_method != challenge_method || authenticated_) return false;
  pending_connect_ = std::move(connect);
  if (core_->has(Defect::authentication_reason_code_invalid)) {
    // Encoded by hand: the encoder writes only reason codes from AUTH's table. Without the Reason String, so that
    // the reason code stays the third byte.
    Auth challenge{ProtocolVersion::v5, continue_authentication, {}};
    add_property(challenge.properties, PropertyId::authentication_method, declared_authentication_method());
    add_property(challenge.properties, PropertyId::authentication_data,
                 Bytes(challenge_text.begin(), challenge_text.end()));
    Bytes bytes = encode(Packet{challenge});
    bytes[2] = reason::not_authorized;
    send_bytes(std::move(bytes));
    return true;
  }
  Auth challenge = authentication_challenge();
  if (core_->has(Defect::authentication_continue_code_wrong)) challenge.reason_code = reauthenticate;
  send(challenge);
  return true;
}

void Connection::handle_authentication_frame(const Frame& frame) {
  auto decoded = decode_packet(frame.bytes, Sender::client, version_, frame.offset);
  const Auth* auth = std::holds_alternative<Packet>(decoded) ? std::get_if<Auth>(&std::get<Packet>(decoded)) : nullptr;
  if (auth == nullptr || auth->reason_code != continue_authentication ||
      string_of(auth->properties, PropertyId::authentication_method) != std::string(challenge_method)) {
    // Only AUTH may come before the CONNACK of an exchange [MQTT-3.1.2-30]; the method may not change.
    reject(reason::protocol_error);
    return;
  }
  if (!answer_is_right(*auth)) {
    if (core_->has(Defect::authentication_refusal_left_open)) {
      send(Connack{version_, false, reason::not_authorized, {}});
      pending_connect_.reset();
      rejecting_ = true;              // reads nothing more
      activity_limit_ = std::chrono::milliseconds(0);  // and never closes [MQTT-4.12.0-4]
      return;
    }
    pending_connect_.reset();
    reject(reason::not_authorized);  // [MQTT-4.12.0-4]
    return;
  }
  authenticated_ = true;
  Connect connect = std::move(*pending_connect_);
  pending_connect_.reset();
  handle_connect(std::move(connect));
}

void Connection::handle_auth(const Auth& auth) {
  if (!authenticated_ || string_of(auth.properties, PropertyId::authentication_method) != std::string(challenge_method)) {
    // No method agreed in CONNECT, or another one: a protocol error (3.15, [MQTT-4.12.1-1]).
    disconnect(reason::protocol_error, CloseReason::protocol_error);
    return;
  }
  if (auth.reason_code == reauthenticate && !reauthenticating_) {
    reauthenticating_ = true;
    send(authentication_challenge());
    return;
  }
  if (auth.reason_code != continue_authentication || !reauthenticating_) {
    disconnect(reason::protocol_error, CloseReason::protocol_error);
    return;
  }
  reauthenticating_ = false;
  if (!answer_is_right(auth)) {
    if (core_->has(Defect::reauthentication_failure_left_open)) {
      send(Disconnect{ProtocolVersion::v5, reason::not_authorized, {}});  // and no close [MQTT-4.12.1-2]
      return;
    }
    disconnect(reason::not_authorized, CloseReason::protocol_error);  // [MQTT-4.12.1-2]
    return;
  }
  Auth success{ProtocolVersion::v5, reason::success, {}};
  add_property(success.properties, PropertyId::authentication_method, declared_authentication_method());
  send(success);
}

void Connection::route_after_refusal(const Frame& frame) {
  // The refused-publications-acted-on defect: what a refused client sends is read and its PUBLISH routed
  // [MQTT-3.1.4-6 forbids it].
  auto decoded = decode_packet(frame.bytes, Sender::client, version_, frame.offset);
  if (!std::holds_alternative<Packet>(decoded)) return;
  auto* publish = std::get_if<Publish>(&std::get<Packet>(decoded));
  if (publish == nullptr || publish->qos != QoS::at_most_once) return;
  auto message = std::make_shared<Message>();
  message->topic = std::move(publish->topic);
  message->payload = std::move(publish->payload);
  message->qos = publish->qos;
  message->retain = publish->retain;
  message->received_at = Clock::now();
  core_->publish(message);
}

}  // namespace mqtt::broker
