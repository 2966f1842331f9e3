// The tap on a will-carrying device's connection (owed_deliveries_wills.cpp), here so that both files of
// OwedDeliveries see it whole (its owner holds it by unique_ptr).
#pragma once

#include <memory>

#include "client/async_connection.hpp"
#include "client/async_session.hpp"
#include "simulator/owed_deliveries.hpp"

namespace mqtt::simulator {

// Sits between a will-carrying device's connection and whatever observed it before (a publisher tap, an observer's
// tap or the session): hears the CONNACK and the close, hands every packet on. Both ends are held weakly, like the
// publisher tap's; once the connection is gone nothing can call this, and the owner drops it.
class OwedDeliveries::WillTap : public client::ConnectionObserver {
 public:
  WillTap(OwedDeliveries& owner, const std::shared_ptr<client::AsyncSession>& session, WillConnection state)
      : state_(std::move(state)), owner_(owner), session_(session), connection_(session->connection()),
        next_(session->connection()->observer()) {}

  void on_packet(const Packet& packet) override {
    if (const auto* connack = std::get_if<Connack>(&packet)) {
      state_.connack_seen = true;
      state_.accepted = connack->reason_code == 0;
      if (state_.accepted) owner_.will_connected(state_.client_id, connack->session_present, Clock::now());
    }
    if (const auto session = session_.lock(); session && next_ != nullptr) next_->on_packet(packet);
  }
  void on_closed() override {
    if (const auto session = session_.lock(); session && next_ != nullptr) next_->on_closed();
    // The session's disconnect() sends DISCONNECT and closes as local_close; anything else left without one.
    if (const auto connection = connection_.lock()) {
      state_.disconnect_sent = connection->close_reason() == history::CloseReason::local_close;
    }
    owner_.will_closed(state_, Clock::now());
  }
  bool gone() const { return connection_.expired(); }

 private:
  WillConnection state_;
  OwedDeliveries& owner_;
  std::weak_ptr<client::AsyncSession> session_;
  std::weak_ptr<client::AsyncConnection> connection_;
  client::ConnectionObserver* next_;
};

}  // namespace mqtt::simulator
