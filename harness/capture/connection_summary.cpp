#include "capture/connection_summary.hpp"

namespace mqtt::capture {
namespace {

std::string will_text(const Will& will) {
  return will.topic + " (QoS " + std::to_string(static_cast<int>(will.qos)) +
         (will.retain ? ", retain)" : ")");
}

}  // namespace

void count_packet(ConnectionSummary& row, const Packet& packet, bool from_client) {
  const std::string name(to_string(packet_type(packet)));
  ++(from_client ? row.sent : row.received)[name];
  if (const auto* publish = std::get_if<Publish>(&packet)) {
    ++(from_client ? row.publish_qos_sent
                   : row.publish_qos_received)[static_cast<std::size_t>(publish->qos)];
    row.topics.insert(publish->topic);
    if (from_client) {
      ++row.published_topics[publish->topic];
      row.published_payload_bytes += publish->payload.size();
      row.published_retained += publish->retain ? 1 : 0;
    }
  } else if (const auto* connect = std::get_if<Connect>(&packet); connect && from_client) {
    row.client_id = connect->client_id;
    row.version = connect->version;
    row.clean_session = connect->clean_session;
    row.keep_alive = connect->keep_alive;
    row.will = connect->will ? will_text(*connect->will) : "";
    row.will_message = connect->will;
    row.username = connect->username;
  } else if (const auto* connack = std::get_if<Connack>(&packet)) {
    row.connack_code = connack->reason_code;
  } else if (const auto* subscribe = std::get_if<Subscribe>(&packet)) {
    for (const auto& subscription : subscribe->subscriptions) {
      row.filters.insert(subscription.filter);
      row.subscriptions.push_back(subscription);
    }
  }
}

void settle_version(ConnectionSummary& row, std::optional<ProtocolVersion> client_guess,
                    std::optional<ProtocolVersion> server_guess) {
  if (!row.version) {
    if (client_guess && server_guess && *client_guess != *server_guess) {
      row.not_judged = "its two directions decode as different MQTT versions (client " +
                       std::string(to_string(*client_guess)) + ", broker " + std::string(to_string(*server_guess)) +
                       ", both assumed: no CONNECT seen)";
      return;
    }
    row.assumed_version = client_guess ? client_guess : server_guess;
  }
}

}  // namespace mqtt::capture
