#include "client/detail/tcp_connect.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace mqtt::client::detail {

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;

namespace {

std::string endpoint_text(const tcp::endpoint& endpoint) {
  const auto address = endpoint.address();
  const std::string host = address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
  return host + ":" + std::to_string(endpoint.port());
}

std::string host_port_text(const std::string& host, std::uint16_t port) {
  const bool ipv6 = host.find(':') != std::string::npos;
  return (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

}  // namespace

Deadline::Deadline(const asio::any_io_executor& executor, Clock::time_point until, std::function<void()> on_expiry)
    : state_(std::make_shared<State>()), timer_(executor, until) {
  state_->on_expiry = std::move(on_expiry);
  timer_.async_wait([state = state_](const error_code& error) {
    if (error || state->finished) return;
    state->expired = true;
    if (state->on_expiry) state->on_expiry();
  });
}

Deadline::~Deadline() {
  state_->finished = true;
  state_->on_expiry = nullptr;
  timer_.cancel();
}

std::string milliseconds_text(Clock::duration duration) {
  return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(duration).count()) + " ms";
}

asio::awaitable<std::string> connect_tcp(tcp::socket& socket, const TargetUrl& target, Clock::time_point until,
                                         std::string& peer,
                                         const std::function<void(std::uint16_t)>& on_tcp_connected) {
  const auto executor = socket.get_executor();
  const bool relayed = !target.relay_host.empty() && target.relay_port != 0;
  const std::string& host = relayed ? target.relay_host : target.host;
  const std::uint16_t port = relayed ? target.relay_port : target.port;
  const std::string where = host_port_text(host, port);
  const std::string allowed = milliseconds_text(until - Clock::now());
  tcp::resolver resolver(executor);
  const Deadline deadline(executor, until, [&resolver, &socket] {
    resolver.cancel();
    error_code ignored;
    socket.cancel(ignored);
    socket.close(ignored);
  });

  error_code error;
  tcp::endpoint endpoint;
  // A numeric address needs no resolver (fleets open thousands of connections to 127.0.0.1).
  const auto address = asio::ip::make_address(host, error);
  if (!error) {
    endpoint = tcp::endpoint(address, port);
    co_await socket.async_connect(endpoint, asio::redirect_error(asio::use_awaitable, error));
  } else {
    error.clear();
    auto endpoints = co_await resolver.async_resolve(host, std::to_string(port),
                                                     asio::redirect_error(asio::use_awaitable, error));
    if (deadline.expired()) co_return "no answer from " + where + " within " + allowed + " (resolving)";
    if (error) co_return "cannot resolve " + host + ": " + error.message();
    endpoint = co_await asio::async_connect(socket, endpoints, asio::redirect_error(asio::use_awaitable, error));
  }
  if (deadline.expired()) co_return "no answer from " + where + " within " + allowed;
  if (error == asio::error::connection_refused) co_return "connection refused by " + where;
  if (error) co_return "cannot connect to " + where + ": " + error.message();
  socket.set_option(tcp::no_delay(true), error);
  peer = endpoint_text(endpoint);
  if (on_tcp_connected) {
    const auto local = socket.local_endpoint(error);
    if (!error) on_tcp_connected(local.port());
  }
  co_return std::string{};
}

void close_socket(tcp::socket& socket) {
  error_code ignored;
  socket.close(ignored);
}

void reset_socket(tcp::socket& socket) {
  if (!socket.is_open()) return;
  error_code ignored;
  socket.set_option(asio::socket_base::linger(true, 0), ignored);
  socket.close(ignored);
}

asio::awaitable<error_code> wait_ready(tcp::socket& socket, tcp::socket::wait_type type, Clock::time_point until) {
  error_code error;
  {
    const Deadline deadline(socket.get_executor(), until, [&socket] {
      error_code ignored;
      socket.cancel(ignored);
    });
    co_await socket.async_wait(type, asio::redirect_error(asio::use_awaitable, error));
    if (deadline.expired()) error = asio::error::timed_out;
  }
  co_return error;
}

}  // namespace mqtt::client::detail
