// Plain TCP transport (scheme mqtt).
#include <chrono>
#include <memory>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "client/detail/transport.hpp"

namespace mqtt::client::detail {
namespace {

namespace asio = boost::asio;
using boost::system::error_code;
using asio::ip::tcp;

std::string endpoint_text(const tcp::endpoint& endpoint) {
  const auto address = endpoint.address();
  const std::string host = address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
  return host + ":" + std::to_string(endpoint.port());
}

class TcpTransport final : public Transport {
 public:
  explicit TcpTransport(const asio::any_io_executor& executor) : socket_(executor) {}

  asio::awaitable<std::string> connect(const TargetUrl& target, Duration deadline) override {
    auto executor = socket_.get_executor();
    tcp::resolver resolver(executor);
    // The deadline cancels whatever is in progress. The handler may already be queued when the connect
    // finishes, so it checks shared state that this frame marks finished on every exit path.
    struct DeadlineState {
      bool expired = false;
      bool finished = false;
    };
    auto state = std::make_shared<DeadlineState>();
    struct MarkFinished {
      std::shared_ptr<DeadlineState> state;
      ~MarkFinished() { state->finished = true; }
    } mark_finished{state};
    asio::steady_timer timer(executor, deadline);
    timer.async_wait([state, &resolver, this](const error_code& error) {
      if (error || state->finished) return;
      state->expired = true;
      resolver.cancel();
      error_code ignored;
      socket_.cancel(ignored);
      socket_.close(ignored);
    });
    const bool& expired_flag = state->expired;
    const bool* expired = &expired_flag;
    const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(deadline).count();
    const std::string where = target.host_port();

    error_code error;
    // A numeric address needs no resolver (fleets open thousands of connections to 127.0.0.1).
    const auto address = asio::ip::make_address(target.host, error);
    if (!error) {
      co_await socket_.async_connect(tcp::endpoint(address, target.port),
                                     asio::redirect_error(asio::use_awaitable, error));
      timer.cancel();
      if (*expired) co_return "no answer from " + where + " within " + std::to_string(millis) + " ms";
      if (error == asio::error::connection_refused) co_return "connection refused by " + where;
      if (error) co_return "cannot connect to " + where + ": " + error.message();
      socket_.set_option(tcp::no_delay(true), error);
      peer_ = endpoint_text(tcp::endpoint(address, target.port));
      co_return std::string{};
    }
    error.clear();
    auto endpoints = co_await resolver.async_resolve(target.host, std::to_string(target.port),
                                                     asio::redirect_error(asio::use_awaitable, error));
    if (*expired) co_return "no answer from " + where + " within " + std::to_string(millis) + " ms (resolving)";
    if (error) {
      timer.cancel();
      co_return "cannot resolve " + target.host + ": " + error.message();
    }
    const tcp::endpoint endpoint =
        co_await asio::async_connect(socket_, endpoints, asio::redirect_error(asio::use_awaitable, error));
    timer.cancel();
    if (*expired) co_return "no answer from " + where + " within " + std::to_string(millis) + " ms";
    if (error == asio::error::connection_refused) co_return "connection refused by " + where;
    if (error) co_return "cannot connect to " + where + ": " + error.message();
    socket_.set_option(tcp::no_delay(true), error);
    peer_ = endpoint_text(endpoint);
    co_return std::string{};
  }

  std::string peer() const override { return peer_; }

  // Waits for readability first and only then reads, synchronously: the caller's buffer is touched only while
  // this coroutine runs, so an idle connection needs no buffer of its own (see AsyncConnection::read_loop).
  asio::awaitable<ReadResult> read_some(asio::mutable_buffer buffer) override {
    ReadResult result;
    co_await socket_.async_wait(tcp::socket::wait_read, asio::redirect_error(asio::use_awaitable, result.error));
    if (result.error) co_return result;
    if (!socket_.non_blocking()) socket_.non_blocking(true, result.error);
    if (result.error) co_return result;
    result.size = socket_.read_some(buffer, result.error);
    if (result.error == asio::error::would_block || result.error == asio::error::try_again) {
      result.error.clear();
      result.size = 0;
    }
    co_return result;
  }

  void wait_readable(std::function<void(const error_code&)> handler) override {
    socket_.async_wait(tcp::socket::wait_read, std::move(handler));
  }

  std::size_t read_available(asio::mutable_buffer buffer, error_code& error) override {
    if (!socket_.non_blocking()) socket_.non_blocking(true, error);
    if (error) return 0;
    const std::size_t size = socket_.read_some(buffer, error);
    if (error == asio::error::would_block || error == asio::error::try_again) {
      error.clear();
      return 0;
    }
    return size;
  }

  std::size_t try_write(asio::const_buffer buffer, error_code& error) override {
    if (!socket_.non_blocking()) socket_.non_blocking(true, error);
    if (error) return 0;
    const std::size_t written = socket_.write_some(buffer, error);
    if (error == asio::error::would_block || error == asio::error::try_again) {
      error.clear();
      return 0;
    }
    return written;
  }

  asio::awaitable<error_code> write(asio::const_buffer buffer) override {
    error_code error;
    co_await asio::async_write(socket_, buffer, asio::redirect_error(asio::use_awaitable, error));
    co_return error;
  }

  void shutdown_send() override {
    error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_send, ignored);
  }

  void close() override {
    error_code ignored;
    socket_.close(ignored);
  }

  void abort() override {
    error_code ignored;
    if (socket_.is_open()) {
      socket_.set_option(asio::socket_base::linger(true, 0), ignored);
      socket_.close(ignored);
    }
  }

 private:
  tcp::socket socket_;
  std::string peer_;
};

}  // namespace

std::unique_ptr<Transport> make_transport(const asio::any_io_executor& executor, Scheme scheme) {
  switch (scheme) {
    case Scheme::mqtt:
      return std::make_unique<TcpTransport>(executor);
  }
  return nullptr;
}

}  // namespace mqtt::client::detail
