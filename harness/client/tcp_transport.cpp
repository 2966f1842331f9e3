// Plain TCP transport (scheme mqtt).
#include <chrono>
#include <memory>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "client/detail/tcp_connect.hpp"
#include "client/detail/transport.hpp"

namespace mqtt::client::detail {
namespace {

namespace asio = boost::asio;
using boost::system::error_code;
using asio::ip::tcp;

class TcpTransport final : public Transport {
 public:
  explicit TcpTransport(const asio::any_io_executor& executor) : socket_(executor) {}

  asio::awaitable<std::string> connect(const TargetUrl& target, Duration deadline,
                                       const std::function<void(std::uint16_t)>& on_tcp_connected) override {
    const std::string failure = co_await connect_tcp(socket_, target, Clock::now() + deadline, peer_);
    if (failure.empty() && on_tcp_connected) {
      error_code error;
      const auto local = socket_.local_endpoint(error);
      if (!error) on_tcp_connected(local.port());
    }
    co_return failure;
  }

  std::string peer() const override { return peer_; }

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

std::unique_ptr<Transport> make_tcp_transport(const asio::any_io_executor& executor) {
  return std::make_unique<TcpTransport>(executor);
}

}  // namespace mqtt::client::detail
