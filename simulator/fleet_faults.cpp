#include "simulator/fleet_engine.hpp"


namespace mqtt::simulator::detail {

void Engine::record_fault(Device& device, FaultKind kind, const std::string& detail) {
  const std::uint32_t connection =
      device.session && device.session->connection()->is_open() ? device.session->connection()->id() : 0;
  if (connection == 0) return;  // recorded on the device's next connection while the fault lasts
  recorder_.fault(device.identity.client_id, std::string(to_string(kind)), detail, connection);
}

asio::awaitable<void> Engine::fault_loop(ScheduledFault fault) {
  co_await sleep_until(at(fault.at_ms));
  if (stopping_) co_return;
  const std::string detail = describe(fault.kind, fault.parameters, fault.duration_ms);
  std::vector<Device*> hit;
  for (std::size_t index : fault.devices) {
    if (device_of_index_[index] != nullptr) hit.push_back(device_of_index_[index]);
  }
  const auto until = at(fault.at_ms + fault.duration_ms);
  switch (fault.kind) {
    case FaultKind::broker_restart:  // the broker, not devices: done by the caller's method
      co_await perform_broker_restart(
          options_.broker_restarts, fault.at_ms / 1000.0, fault.duration_ms,
          {[this](const std::string& text) { recorder_.fault("broker", "broker-restart", text, 0); },
           [this](const std::string& text) { recorder_.note("broker", text); }});
      co_return;
    case FaultKind::close:
      for (Device* device : hit) {
        record_fault(*device, fault.kind, detail);
        if (proxy_) proxy_->close_links(device->identity.client_id, fault.parameters.reset);
      }
      co_return;
    case FaultKind::power_loss:
      // The device itself dies: its own abort is the precise record (local_abort); the fault event follows
      // it so the checker still owes the will at once.
      for (Device* device : hit) {
        device->powered_off_until = until;
        const bool open = device->session && device->session->connection()->is_open();
        if (open) {
          const std::uint32_t connection = device->session->connection()->id();
          device->session->connection()->abort();
          recorder_.fault(device->identity.client_id, "power-loss", detail, connection);
        }
        device->connected = false;
      }
      co_return;
    case FaultKind::flapping:
      while (Clock::now() < until && !stopping_) {
        for (Device* device : hit) {
          record_fault(*device, fault.kind, detail);
          if (proxy_) proxy_->close_links(device->identity.client_id, true);
        }
        co_await sleep_until(std::min(
            until, Clock::now() + milliseconds(std::max<std::uint32_t>(50, fault.parameters.period_ms))));
      }
      co_return;
    default:
      break;
  }
  for (Device* device : hit) {
    device->active_faults[fault.kind] = detail;
    record_fault(*device, fault.kind, detail);
    if (proxy_) proxy_->set_fault(device->identity.client_id, fault.kind, fault.parameters);
  }
  co_await sleep_until(until);
  for (Device* device : hit) {
    device->active_faults.erase(fault.kind);
    if (proxy_) proxy_->clear_fault(device->identity.client_id, fault.kind);
    const std::uint32_t connection = device->session && device->session->connection()->is_open()
                                         ? device->session->connection()->id()
                                         : 0;
    recorder_.note(device->identity.client_id, std::string(to_string(fault.kind)) + " ended", connection);
  }
}

}  // namespace mqtt::simulator::detail
