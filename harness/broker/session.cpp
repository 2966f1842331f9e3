#include "broker/session.hpp"

#include <algorithm>

namespace mqtt::broker {

bool Session::enqueue(Delivery delivery, std::size_t limit) {
  if (queue_.size() >= limit) {
    ++dropped_;
    return false;
  }
  queue_.push_back(std::move(delivery));
  return true;
}

std::optional<Delivery> Session::dequeue() {
  if (queue_.empty()) return std::nullopt;
  Delivery front = std::move(queue_.front());
  queue_.pop_front();
  return front;
}

const InFlight& Session::start_in_flight(Delivery delivery) {
  // The caller bounds in_flight_ far below 65535, so a free id always exists.
  auto in_use = [this](std::uint16_t id) {
    return std::any_of(in_flight_.begin(), in_flight_.end(), [id](const InFlight& entry) { return entry.packet_id == id; });
  };
  while (in_use(next_packet_id_)) {
    next_packet_id_ = static_cast<std::uint16_t>(next_packet_id_ == 0xFFFF ? 1 : next_packet_id_ + 1);
  }
  const std::uint16_t packet_id = next_packet_id_;
  next_packet_id_ = static_cast<std::uint16_t>(next_packet_id_ == 0xFFFF ? 1 : next_packet_id_ + 1);
  const auto stage = delivery.qos == QoS::exactly_once ? InFlight::Stage::awaiting_pubrec : InFlight::Stage::awaiting_puback;
  in_flight_.push_back(InFlight{packet_id, std::move(delivery), stage});
  return in_flight_.back();
}

std::deque<InFlight>::iterator Session::find_in_flight(std::uint16_t packet_id, InFlight::Stage stage) {
  return std::find_if(in_flight_.begin(), in_flight_.end(),
                      [&](const InFlight& entry) { return entry.packet_id == packet_id && entry.stage == stage; });
}

void Session::hold_qos2(std::uint16_t packet_id, std::shared_ptr<const Message> message) {
  held_qos2_[packet_id] = std::move(message);
}

std::shared_ptr<const Message> Session::release_qos2(std::uint16_t packet_id) {
  incoming_qos2_.erase(packet_id);
  const auto held = held_qos2_.find(packet_id);
  if (held == held_qos2_.end()) return nullptr;
  auto message = std::move(held->second);
  held_qos2_.erase(held);
  return message;
}

bool Session::acknowledge_puback(std::uint16_t packet_id) {
  auto found = find_in_flight(packet_id, InFlight::Stage::awaiting_puback);
  if (found == in_flight_.end()) return false;
  in_flight_.erase(found);
  return true;
}

bool Session::acknowledge_pubrec(std::uint16_t packet_id) {
  auto found = find_in_flight(packet_id, InFlight::Stage::awaiting_pubrec);
  if (found == in_flight_.end()) return false;
  found->stage = InFlight::Stage::awaiting_pubcomp;
  found->delivery.message.reset();  // the message itself is no longer needed, only the id
  return true;
}

bool Session::reject_pubrec(std::uint16_t packet_id) {
  auto found = find_in_flight(packet_id, InFlight::Stage::awaiting_pubrec);
  if (found == in_flight_.end()) return false;
  in_flight_.erase(found);
  return true;
}

bool Session::acknowledge_pubcomp(std::uint16_t packet_id) {
  auto found = find_in_flight(packet_id, InFlight::Stage::awaiting_pubcomp);
  if (found == in_flight_.end()) return false;
  in_flight_.erase(found);
  return true;
}

}  // namespace mqtt::broker
