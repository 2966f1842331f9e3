#include "client/connection.hpp"

#include "client/async_connection.hpp"
#include "client/detail/blocking.hpp"

namespace mqtt::client {

std::string_view to_string(WaitOutcome outcome) {
  switch (outcome) {
    case WaitOutcome::packet:
      return "packet";
    case WaitOutcome::closed:
      return "closed";
    case WaitOutcome::timeout:
      return "timeout";
  }
  return "timeout";
}

Connection::Connection(EventLoop& loop, std::shared_ptr<AsyncConnection> connection)
    : loop_(&loop), connection_(std::move(connection)) {}

std::variant<Connection, std::string> Connection::open(EventLoop& loop, Recorder& recorder, const TargetUrl& target,
                                                       OpenOptions options) {
  const Duration deadline = options.deadline;
  auto result = detail::run_blocking(
      loop, AsyncConnection::open(loop.context().get_executor(), recorder, target, std::move(options)), deadline,
      AsyncConnection::OpenResult{std::string("the connection attempt did not finish")});
  if (auto* failure = std::get_if<std::string>(&result)) return *failure;
  return Connection(loop, std::get<std::shared_ptr<AsyncConnection>>(std::move(result)));
}

std::uint32_t Connection::id() const { return connection_->id(); }
const std::string& Connection::actor() const { return connection_->actor(); }
bool Connection::is_open() const { return connection_->is_open(); }
std::optional<history::CloseReason> Connection::close_reason() const { return connection_->close_reason(); }
ProtocolVersion Connection::version() const { return connection_->version(); }

std::uint64_t Connection::send(const Packet& packet) { return connection_->send(packet); }
std::uint64_t Connection::send_raw(Bytes bytes) { return connection_->send_raw(std::move(bytes)); }
std::uint64_t Connection::send_framed(Bytes bytes, WebSocketFraming framing) {
  return connection_->send_framed(std::move(bytes), framing);
}
bool Connection::over_websocket() const { return connection_->over_websocket(); }

WaitResult Connection::next(Duration deadline) {
  return detail::run_blocking(*loop_, connection_->next(deadline), deadline, WaitResult{});
}

WaitResult Connection::wait_for(PacketType type, Duration deadline) {
  return detail::run_blocking(*loop_, connection_->wait_for(type, deadline), deadline, WaitResult{});
}

WaitResult Connection::wait_for_close(Duration deadline) {
  return detail::run_blocking(*loop_, connection_->wait_for_close(deadline), deadline, WaitResult{});
}

void Connection::close(history::CloseReason reason) { connection_->close(reason); }
void Connection::set_inbox_limit(std::size_t limit) { connection_->set_inbox_limit(limit); }
ConnectionStatistics Connection::statistics() const { return connection_->statistics(); }
void Connection::abort() { connection_->abort(); }

}  // namespace mqtt::client
