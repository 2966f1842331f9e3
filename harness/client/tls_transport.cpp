// TLS transport (scheme mqtts): OpenSSL driven straight on the non-blocking socket, readiness-based like the TCP
// transport (the socket, connecting and closing are SocketTransport's). Boost.Asio's ssl::stream is not used here
// because each one holds two 17 KiB buffers of its own plus a 2 x 17 KiB BIO pair whether or not data flows; this
// way an idle connection holds only the SSL object (its record buffers are freed once everything has been read)
// and the context is shared (client/tls_context.cpp).
#include <utility>  // before Boost.Asio 1.74: its awaitable.hpp uses std::exchange without including it

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <cerrno>

#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "client/detail/handshake_scratch.hpp"
#include "client/detail/socket_transport.hpp"
#include "client/detail/tls_context.hpp"

namespace mqtt::client::detail {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;

// A TLS 1.3 server judges the client's certificate only after the client's handshake has finished; its verdict
// (session tickets, or an alert) follows at once. When a certificate was asked for, connect waits this long at
// most for it, so a refusal is reported as a failed connect rather than as a closed session.
constexpr auto verdict_wait = std::chrono::milliseconds(1000);

struct SslDeleter {
  void operator()(SSL* ssl) const { SSL_free(ssl); }
};

// The error of a failed SSL call, as an error_code: OpenSSL's queue (Boost.Asio's SSL category), the socket's errno,
// or eof.
error_code error_of(SSL* ssl, int result) {
  const int reason = SSL_get_error(ssl, result);
  if (reason == SSL_ERROR_ZERO_RETURN) return asio::error::eof;
  if (reason == SSL_ERROR_SYSCALL) {
    const unsigned long queued = ERR_get_error();
    if (queued != 0) return error_code(static_cast<int>(queued), asio::error::get_ssl_category());
    if (errno == 0) return asio::error::eof;
    return error_code(errno, boost::system::system_category());
  }
  const unsigned long queued = ERR_get_error();
  ERR_clear_error();
  if (queued == 0) return asio::ssl::error::stream_truncated;
  return error_code(static_cast<int>(queued), asio::error::get_ssl_category());
}

class TlsTransport final : public SocketTransport {
 public:
  using SocketTransport::SocketTransport;

  asio::awaitable<std::string> connect(const TargetUrl& target, Duration deadline,
                                       const std::function<void(std::uint16_t)>& on_tcp_connected) override {
    const auto until = Clock::now() + deadline;
    auto context = shared_tls_context(target.tls);
    if (auto* problem = std::get_if<std::string>(&context)) co_return *problem;
    const std::string failure = co_await connect_socket(target, until, on_tcp_connected);
    if (!failure.empty()) co_return failure;
    error_code error;
    socket_.non_blocking(true, error);
    if (error) co_return "cannot use the socket to " + peer_ + ": " + error.message();
    ssl_.reset(SSL_new(std::get<std::shared_ptr<asio::ssl::context>>(context)->native_handle()));
    if (!ssl_ || SSL_set_fd(ssl_.get(), socket_.native_handle()) != 1) {
      ERR_clear_error();
      co_return "cannot start TLS to " + peer_ + " (out of memory?)";
    }
    TlsHandshakeFacts facts;
    prepare_client_tls(ssl_.get(), target, &facts);
    std::string outcome = co_await handshake(target, until, facts);
    detach_facts(ssl_.get());
    if (outcome.empty()) negotiated_ = negotiated_tls(ssl_.get());
    target_ = &target;
    co_return outcome;
  }

  std::string negotiated() const override { return negotiated_; }

  std::string explain(const error_code& error) const override {
    return target_ != nullptr ? describe_tls_error(error, *target_) : std::string();
  }

  void wait_readable(std::function<void(const error_code&)> handler) override {
    // Decrypted bytes OpenSSL still holds (the caller's buffer filled up) are not announced by the socket: hand
    // them over at once. (Not SSL_has_pending: it also counts a partial record, which only the socket completes.)
    if (ssl_ && SSL_pending(ssl_.get()) > 0) {
      asio::post(socket_.get_executor(), [handler = std::move(handler)] { handler(error_code{}); });
      return;
    }
    SocketTransport::wait_readable(std::move(handler));
  }

  std::size_t read_available(asio::mutable_buffer buffer, error_code& error) override {
    auto* data = static_cast<unsigned char*>(buffer.data());
    std::size_t total = 0;
    while (total < buffer.size()) {
      ERR_clear_error();
      errno = 0;
      std::size_t size = 0;
      const int result = SSL_read_ex(ssl_.get(), data + total, buffer.size() - total, &size);
      if (result == 1) {
        total += size;
        continue;
      }
      const int reason = SSL_get_error(ssl_.get(), result);
      if (reason == SSL_ERROR_WANT_READ || reason == SSL_ERROR_WANT_WRITE) {
        release_idle_buffers();
        break;
      }
      error = error_of(ssl_.get(), result);
      break;  // what was read before the error is returned with it
    }
    return total;
  }

  std::size_t try_write(asio::const_buffer buffer, error_code& error) override {
    if (buffer.size() == 0) return 0;
    ERR_clear_error();
    errno = 0;
    std::size_t written = 0;
    const int result = SSL_write_ex(ssl_.get(), buffer.data(), buffer.size(), &written);
    if (result == 1) return written;
    const int reason = SSL_get_error(ssl_.get(), result);
    // Retried later by write() with the same bytes (moving-buffer mode allows their new place in the queue).
    if (reason == SSL_ERROR_WANT_WRITE || reason == SSL_ERROR_WANT_READ) return 0;
    error = error_of(ssl_.get(), result);
    return 0;
  }

  asio::awaitable<error_code> write(asio::const_buffer buffer) override {
    const auto* data = static_cast<const unsigned char*>(buffer.data());
    std::size_t done = 0;
    while (done < buffer.size()) {
      ERR_clear_error();
      errno = 0;
      std::size_t written = 0;
      const int result = SSL_write_ex(ssl_.get(), data + done, buffer.size() - done, &written);
      if (result == 1) {
        done += written;
        continue;
      }
      const int reason = SSL_get_error(ssl_.get(), result);
      if (reason != SSL_ERROR_WANT_WRITE && reason != SSL_ERROR_WANT_READ) co_return error_of(ssl_.get(), result);
      error_code error;
      co_await socket_.async_wait(reason == SSL_ERROR_WANT_WRITE ? tcp::socket::wait_write : tcp::socket::wait_read,
                                  asio::redirect_error(asio::use_awaitable, error));
      if (error) co_return error;
    }
    release_idle_buffers();
    co_return error_code{};
  }

  void shutdown_send() override {
    // close_notify, then FIN; reading goes on until the server's end. A close_notify that does not fit the socket
    // now is dropped: the FIN says the same.
    if (ssl_) {
      ERR_clear_error();
      SSL_shutdown(ssl_.get());
      ERR_clear_error();
    }
    SocketTransport::shutdown_send();
  }

 private:
  // Frees OpenSSL's record buffers (a 17 KiB read buffer, the write buffer) once everything that arrived has been
  // read: an idle connection then holds none. Release-buffers mode alone does not reach this state: OpenSSL keeps
  // the read buffer it set up for the read that found the socket empty. A later read sets up a new one. Not while
  // decrypted bytes wait (SSL_pending) or a record is half read or written (SSL_free_buffers declines those;
  // OpenSSL before 3.0.14 did not check all of them, CVE-2024-4741, hence reads stop here only at WANT_READ).
  void release_idle_buffers() {
    if (SSL_pending(ssl_.get()) > 0) return;
    SSL_free_buffers(ssl_.get());
  }

  asio::awaitable<std::string> handshake(const TargetUrl& target, Clock::time_point until, TlsHandshakeFacts& facts) {
    const HandshakeInFlight in_flight;
    for (;;) {
      ERR_clear_error();
      errno = 0;
      const int result = SSL_connect(ssl_.get());
      if (result == 1) break;
      const int reason = SSL_get_error(ssl_.get(), result);
      if (reason != SSL_ERROR_WANT_READ && reason != SSL_ERROR_WANT_WRITE) {
        co_return describe_tls_failure(ssl_.get(), error_of(ssl_.get(), result), target, facts);
      }
      const error_code error = co_await wait_ready(
          socket_, reason == SSL_ERROR_WANT_READ ? tcp::socket::wait_read : tcp::socket::wait_write, until);
      if (error == asio::error::timed_out) {
        co_return "TLS handshake with " + target.host_port() + " failed: no answer within the connect deadline";
      }
      if (error) co_return describe_tls_failure(ssl_.get(), error, target, facts);
    }
    if (facts.certificate_requested && SSL_version(ssl_.get()) == TLS1_3_VERSION) {
      co_return co_await await_certificate_verdict(target, std::min(until, Clock::now() + verdict_wait), facts);
    }
    co_return std::string{};
  }

  // Reads what the server sends first after a TLS 1.3 handshake in which it asked for a certificate: tickets (it
  // accepted the certificate) or an alert (it did not). Application data, if any, stays for the reader.
  asio::awaitable<std::string> await_certificate_verdict(const TargetUrl& target, Clock::time_point until,
                                                         const TlsHandshakeFacts& facts) {
    const error_code error = co_await wait_ready(socket_, tcp::socket::wait_read, until);
    if (error == asio::error::timed_out) co_return std::string{};  // a server that sends no tickets: go on
    if (error) co_return describe_tls_failure(ssl_.get(), error, target, facts);
    ERR_clear_error();
    errno = 0;
    unsigned char byte = 0;
    std::size_t size = 0;
    const int result = SSL_peek_ex(ssl_.get(), &byte, 1, &size);
    if (result == 1) co_return std::string{};
    const int reason = SSL_get_error(ssl_.get(), result);
    if (reason == SSL_ERROR_WANT_READ || reason == SSL_ERROR_WANT_WRITE) co_return std::string{};
    co_return describe_tls_failure(ssl_.get(), error_of(ssl_.get(), result), target, facts);
  }

  std::unique_ptr<SSL, SslDeleter> ssl_;
  std::string negotiated_;
  const TargetUrl* target_ = nullptr;  // the connection's shared target outlives its transport
};

}  // namespace

std::unique_ptr<Transport> make_tls_transport(const asio::any_io_executor& executor) {
  return std::make_unique<TlsTransport>(executor);
}

}  // namespace mqtt::client::detail
