// Plain TCP transport (scheme mqtt).
#include <memory>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "client/detail/socket_transport.hpp"

namespace mqtt::client::detail {
namespace {

namespace asio = boost::asio;
using boost::system::error_code;

class TcpTransport final : public SocketTransport {
 public:
  using SocketTransport::SocketTransport;

  asio::awaitable<std::string> connect(const TargetUrl& target, Duration deadline,
                                       const std::function<void(std::uint16_t)>& on_tcp_connected) override {
    co_return co_await connect_socket(target, Clock::now() + deadline, on_tcp_connected);
  }

  std::size_t read_available(asio::mutable_buffer buffer, error_code& error) override {
    if (!socket_.non_blocking()) socket_.non_blocking(true, error);
    if (error) return 0;
    const std::size_t size = socket_.read_some(buffer, error);
    return would_block(error) ? 0 : size;
  }

  bool reads_into_buffer() const override { return true; }
  void read_into(asio::mutable_buffer buffer, ReadCompletion handler) override {
    socket_.async_read_some(buffer, std::move(handler));
  }

  std::size_t try_write(asio::const_buffer buffer, error_code& error) override {
    if (!socket_.non_blocking()) socket_.non_blocking(true, error);
    if (error) return 0;
    const std::size_t written = socket_.write_some(buffer, error);
    return would_block(error) ? 0 : written;
  }

  asio::awaitable<error_code> write(asio::const_buffer buffer) override {
    error_code error;
    co_await asio::async_write(socket_, buffer, asio::redirect_error(asio::use_awaitable, error));
    co_return error;
  }

 private:
  // A non-blocking call that found nothing to do is not an error: clears it and says so.
  static bool would_block(error_code& error) {
    if (error != asio::error::would_block && error != asio::error::try_again) return false;
    error.clear();
    return true;
  }
};

}  // namespace

std::unique_ptr<Transport> make_tcp_transport(const asio::any_io_executor& executor) {
  return std::make_unique<TcpTransport>(executor);
}

}  // namespace mqtt::client::detail
