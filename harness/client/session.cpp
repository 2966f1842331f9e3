#include "client/session.hpp"

#include "client/async_session.hpp"
#include "client/detail/blocking.hpp"

namespace mqtt::client {

Session::Session(EventLoop& loop, Connection connection, std::shared_ptr<AsyncSession> session)
    : loop_(&loop), connection_(std::move(connection)), session_(std::move(session)) {}

std::variant<Session, std::string> Session::open(EventLoop& loop, Recorder& recorder, const TargetUrl& target,
                                                 OpenOptions open_options, SessionOptions options) {
  auto opened = Connection::open(loop, recorder, target, std::move(open_options));
  if (auto* failure = std::get_if<std::string>(&opened)) return *failure;
  auto& connection = std::get<Connection>(opened);
  auto session = AsyncSession::attach(connection.async(), options);
  return Session(loop, connection, std::move(session));
}

RequestResult Session::connect(Connect connect, Duration deadline) {
  return detail::run_blocking(*loop_, session_->connect(std::move(connect), deadline), deadline, RequestResult{});
}

RequestResult Session::publish(Publish publish, Duration deadline) {
  return detail::run_blocking(*loop_, session_->publish(std::move(publish), deadline), deadline, RequestResult{});
}

RequestResult Session::subscribe(std::vector<Subscription> subscriptions, Duration deadline, Properties properties) {
  return detail::run_blocking(*loop_, session_->subscribe(std::move(subscriptions), deadline, std::move(properties)),
                              deadline, RequestResult{});
}

RequestResult Session::unsubscribe(std::vector<std::string> filters, Duration deadline, Properties properties) {
  return detail::run_blocking(*loop_, session_->unsubscribe(std::move(filters), deadline, std::move(properties)),
                              deadline, RequestResult{});
}

void Session::disconnect(std::uint8_t reason_code, Properties properties) {
  session_->disconnect(reason_code, std::move(properties));
}
std::size_t Session::acknowledge(std::uint8_t reason_code) { return session_->acknowledge(reason_code); }
void Session::set_honour_limits(bool enabled) { session_->set_honour_limits(enabled); }
const ServerLimits& Session::server_limits() const { return session_->server_limits(); }

WaitResult Session::next_publish(Duration deadline) {
  return detail::run_blocking(*loop_, session_->next_publish(deadline), deadline, WaitResult{});
}

void Session::set_silent(bool silent) { session_->set_silent(silent); }
void Session::set_auto_acknowledge(bool enabled) { session_->set_auto_acknowledge(enabled); }
void Session::set_keep_alive_pings(bool enabled) { session_->set_keep_alive_pings(enabled); }
SessionOptions Session::options() const { return session_->options(); }

}  // namespace mqtt::client
