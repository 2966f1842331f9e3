// WebSocket transports (schemes ws and wss): Boost.Beast's WebSocket stream over TCP, or over Boost.Asio's SSL
// stream. MQTT bytes travel in binary messages; what the server sends is read as one byte stream whatever its
// framing (a packet split over frames, or several packets in one), because the decoder above reassembles it. What
// section 6 of MQTT judges is kept for the history: the sub-protocols offered and chosen, each data message's
// opcode (text ones always, binary ones when asked), and a case's own framing of a packet (write_framed).
#include <utility>  // before Boost.Asio 1.74: its awaitable.hpp uses std::exchange without including it

#include <algorithm>
#include <array>
#include <cstring>

#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/beast/websocket/stream.hpp>

#include "client/detail/handshake_scratch.hpp"
#include "client/detail/tcp_connect.hpp"
#include "client/detail/tls_context.hpp"
#include "client/detail/transport.hpp"

namespace mqtt::client::detail {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace http = beast::http;
using asio::ip::tcp;
using boost::system::error_code;

// The subprotocol MQTT over WebSocket must negotiate [MQTT-6.0.0-3], [MQTT-6.0.0-4].
constexpr const char* mqtt_subprotocol = "mqtt";
// Read granularity: a message's bytes are handed up in pieces of at most this size.
constexpr std::size_t read_piece = 4096;

template <bool OverTls>
class WebSocketTransport final : public Transport {
  using NextLayer = std::conditional_t<OverTls, asio::ssl::stream<tcp::socket>, tcp::socket>;

 public:
  explicit WebSocketTransport(const asio::any_io_executor& executor) : executor_(executor) {}

  asio::awaitable<std::string> connect(const TargetUrl& target, Duration deadline,
                                       const std::function<void(std::uint16_t)>& on_tcp_connected) override {
    const auto until = Clock::now() + deadline;
    target_ = &target;
    if constexpr (OverTls) {
      auto context = shared_tls_context(target.tls);
      if (auto* problem = std::get_if<std::string>(&context)) co_return *problem;
      context_ = std::get<std::shared_ptr<asio::ssl::context>>(std::move(context));
      stream_.emplace(executor_, *context_);
    } else {
      stream_.emplace(executor_);
    }
    tcp::socket& socket = beast::get_lowest_layer(*stream_);
    const std::string failure = co_await connect_tcp(socket, target, until, peer_, on_tcp_connected);
    if (!failure.empty()) co_return failure;
    error_code error;
    TlsHandshakeFacts facts;
    if constexpr (OverTls) {
      SSL* ssl = stream_->next_layer().native_handle();
      prepare_client_tls(ssl, target, &facts);
      {
        const HandshakeInFlight in_flight;
        const Deadline guard(executor_, until, [&socket] { close_socket(socket); });
        co_await stream_->next_layer().async_handshake(asio::ssl::stream_base::client,
                                                       asio::redirect_error(asio::use_awaitable, error));
        if (guard.expired()) error = asio::error::timed_out;
      }
      if (error) {
        detach_facts(ssl);
        co_return describe_tls_failure(ssl, error, target, facts);
      }
      negotiated_ = negotiated_tls(ssl) + " ";
    }
    std::string outcome = co_await upgrade(target, until, facts);
    if constexpr (OverTls) detach_facts(stream_->next_layer().native_handle());
    co_return outcome;
  }

  std::string peer() const override { return peer_; }
  bool frames_messages() const override { return true; }
  std::optional<history::WebSocketDetail> handshake_detail() const override { return handshake_; }
  void record_every_message(bool every) override { record_every_message_ = every; }

  std::vector<history::WebSocketDetail> take_finished_messages() override {
    std::vector<history::WebSocketDetail> finished;
    finished.swap(finished_);
    return finished;
  }
  std::string negotiated() const override { return negotiated_; }

  std::string explain(const error_code& error) const override {
    if (!server_close_.empty()) return server_close_;
    if constexpr (OverTls) {
      if (auto text = describe_tls_error(error, *target_); !text.empty()) return text;
    }
    if (error.category() == websocket::make_error_code(websocket::error::closed).category()) {
      return "WebSocket: " + error.message();
    }
    return {};
  }

  void wait_readable(std::function<void(const error_code&)> handler) override {
    if (pending_offset_ < pending_size_ || pending_error_) {
      asio::post(executor_, [handler = std::move(handler)] { handler(error_code{}); });
      return;
    }
    if (!incoming_) incoming_ = std::make_unique<std::array<std::uint8_t, read_piece>>();
    stream_->async_read_some(asio::buffer(*incoming_),
                             [this, handler = std::move(handler)](error_code error, std::size_t size) {
                               if (error == websocket::error::closed) {
                                 const auto& reason = stream_->reason();
                                 server_close_ = "WebSocket closed by the server (code " +
                                                 std::to_string(static_cast<unsigned>(reason.code)) +
                                                 (reason.reason.empty() ? "" : ", \"" +
                                                                                   std::string(reason.reason.c_str()) + "\"") +
                                                 ")";
                                 error = asio::error::eof;
                               }
                               if (size > 0) note_message_progress(size);
                               // Beast refuses a text message that is not UTF-8 (MQTT bytes often are not): it
                               // was a text message all the same [MQTT-6.0.0-1].
                               if (error == websocket::error::bad_frame_payload && stream_->got_text()) {
                                 history::WebSocketDetail message;
                                 message.frame = "text";
                                 message.size = message_size_;
                                 finished_.push_back(std::move(message));
                                 message_size_ = 0;
                               }
                               if (size == 0) {
                                 handler(error);
                                 return;
                               }
                               pending_size_ = size;
                               pending_offset_ = 0;
                               pending_error_ = error;  // handed over after the bytes
                               handler(error_code{});
                             });
  }

  std::size_t read_available(asio::mutable_buffer buffer, error_code& error) override {
    const std::size_t size = std::min(buffer.size(), pending_size_ - pending_offset_);
    if (size > 0) std::memcpy(buffer.data(), incoming_->data() + pending_offset_, size);
    pending_offset_ += size;
    if (pending_offset_ == pending_size_) {
      pending_offset_ = pending_size_ = 0;
      if (pending_error_) {
        error = pending_error_;
        pending_error_ = {};
      }
    }
    return size;
  }

  // Every write is one binary message, written by write(): Beast has no "what fits now" write.
  std::size_t try_write(asio::const_buffer, error_code&) override { return 0; }

  asio::awaitable<error_code> write(asio::const_buffer buffer) override {
    co_return co_await write_framed(buffer, WebSocketFraming::binary);
  }

  asio::awaitable<error_code> write_framed(asio::const_buffer buffer, WebSocketFraming framing) override {
    if (framing == WebSocketFraming::shared) {
      // Held back: the next write's frame carries these bytes first [MQTT-6.0.0-2].
      const auto* bytes = static_cast<const std::uint8_t*>(buffer.data());
      shared_prefix_.insert(shared_prefix_.end(), bytes, bytes + buffer.size());
      co_return error_code{};
    }
    Bytes joined;
    if (!shared_prefix_.empty()) {
      joined.swap(shared_prefix_);
      const auto* bytes = static_cast<const std::uint8_t*>(buffer.data());
      joined.insert(joined.end(), bytes, bytes + buffer.size());
      buffer = asio::buffer(joined);
    }
    error_code error;
    if (framing == WebSocketFraming::split && buffer.size() >= 2) {
      // Two binary messages, each one frame, the cut in the middle of the packet.
      const std::size_t first = buffer.size() / 2;
      co_await stream_->async_write(asio::buffer(buffer.data(), first), asio::redirect_error(asio::use_awaitable, error));
      if (!error) {
        co_await stream_->async_write(asio::buffer(static_cast<const std::uint8_t*>(buffer.data()) + first,
                                                   buffer.size() - first),
                                      asio::redirect_error(asio::use_awaitable, error));
      }
      co_return error;
    }
    if (framing == WebSocketFraming::text) stream_->text(true);
    co_await stream_->async_write(buffer, asio::redirect_error(asio::use_awaitable, error));
    stream_->binary(true);
    co_return error;
  }

  void shutdown_send() override {
    // The WebSocket closing handshake: a close frame, then the server's, then TCP ends (Beast's teardown).
    if (stream_ && stream_->is_open()) stream_->async_close(websocket::close_code::normal, [](error_code) {});
  }

  void close() override {
    if (stream_) close_socket(beast::get_lowest_layer(*stream_));
  }

  void abort() override {
    if (stream_) reset_socket(beast::get_lowest_layer(*stream_));
  }

 private:
  // Counts a read's bytes into the message being received; when the read ended the message, keeps its opcode and
  // length (binary ones only when every message is recorded: a fleet's history would double otherwise).
  void note_message_progress(std::size_t size) {
    message_size_ += size;
    if (!stream_->is_message_done()) return;
    const bool text = stream_->got_text();
    if (text || record_every_message_) {
      history::WebSocketDetail message;
      message.frame = text ? "text" : "binary";
      message.size = message_size_;
      finished_.push_back(std::move(message));
    }
    message_size_ = 0;
  }

  // The HTTP upgrade with the mqtt subprotocol [MQTT-6.0.0-3]; the server's choice is checked [MQTT-6.0.0-4].
  asio::awaitable<std::string> upgrade(const TargetUrl& target, Clock::time_point until,
                                       const TlsHandshakeFacts& facts) {
    const std::string url = std::string(to_string(target.scheme)) + "://" + target.host_port() +
                            target.path.substr(0, target.path.find('?'));
    std::string offered;
    for (const auto& name : target.websocket_subprotocols) offered += (offered.empty() ? "" : ",") + name;  // no space: websockify splits on "," alone
    if (offered.empty()) offered = mqtt_subprotocol;
    handshake_.emplace();
    handshake_->offered = offered;
    stream_->set_option(websocket::stream_base::decorator([offered](websocket::request_type& request) {
      request.set(http::field::sec_websocket_protocol, offered);
      request.set(http::field::user_agent, "mqtt-harness");
    }));
    stream_->binary(true);
    websocket::response_type response;
    error_code error;
    tcp::socket& socket = beast::get_lowest_layer(*stream_);
    {
      const Deadline guard(executor_, until, [&socket] { close_socket(socket); });
      co_await stream_->async_handshake(response, target.host_port(), target.path,
                                        asio::redirect_error(asio::use_awaitable, error));
      if (guard.expired()) co_return "WebSocket upgrade at " + url + " failed: no answer within the connect deadline";
    }
    if (error) {
      if constexpr (OverTls) {
        // A TLS 1.3 server refuses a client certificate only after the handshake: its alert ends the upgrade.
        if (error.category() == asio::error::get_ssl_category()) {
          co_return describe_tls_failure(stream_->next_layer().native_handle(), error, target, facts);
        }
      }
      // Beast says upgrade_declined when an HTTP answer other than 101 was read; only then is its status real.
      if (error == websocket::error::upgrade_declined) {
        co_return "WebSocket upgrade at " + url + " refused: HTTP " + std::to_string(response.result_int()) + " " +
                  std::string(response.reason());
      }
      if (error.category() == http::make_error_code(http::error::bad_version).category()) {
        co_return "WebSocket upgrade at " + url + " failed: the server did not answer in HTTP (" + error.message() +
                  ")" + (OverTls ? "" : " — is it a wss:// or mqtt:// port?");
      }
      if (error == asio::error::eof || error == asio::error::connection_reset) {
        co_return "WebSocket upgrade at " + url + " failed: the server closed the connection without answering" +
                  (OverTls ? "" : " (is it a wss:// or mqtts:// port?)");
      }
      co_return "WebSocket upgrade at " + url + " failed: " + error.message();
    }
    const std::string chosen(response[http::field::sec_websocket_protocol]);
    handshake_->subprotocol = chosen;
    const auto& names = target.websocket_subprotocols;
    const bool was_offered = chosen == mqtt_subprotocol || std::find(names.begin(), names.end(), chosen) != names.end();
    // A choice that was not offered is recorded and the connection goes on (RFC 6455 would have a browser give up):
    // the history then shows the server's choice to the rule that judges it [MQTT-6.0.0-4].
    negotiated_ += "WebSocket " + target.path.substr(0, target.path.find('?'));
    if (chosen.empty()) {
      negotiated_ += " (the server confirmed no subprotocol)";
    } else if (!was_offered) {
      negotiated_ += " subprotocol " + chosen + " (not offered: " + offered + ")";
    } else if (chosen != mqtt_subprotocol) {
      negotiated_ += " subprotocol " + chosen;
    }
    co_return std::string{};
  }

  asio::any_io_executor executor_;
  std::shared_ptr<asio::ssl::context> context_;
  std::optional<websocket::stream<NextLayer>> stream_;
  std::string peer_;
  std::string negotiated_;
  std::optional<history::WebSocketDetail> handshake_;  // set once the upgrade request is made
  std::vector<history::WebSocketDetail> finished_;     // messages received since take_finished_messages
  std::uint64_t message_size_ = 0;                     // bytes of the message being received so far
  bool record_every_message_ = false;
  Bytes shared_prefix_;                                // a `shared` packet's bytes, waiting for the next write
  std::string server_close_;
  const TargetUrl* target_ = nullptr;  // the connection's shared target outlives its transport
  std::unique_ptr<std::array<std::uint8_t, read_piece>> incoming_;
  std::size_t pending_size_ = 0;
  std::size_t pending_offset_ = 0;
  error_code pending_error_;
};

}  // namespace

std::unique_ptr<Transport> make_websocket_transport(const asio::any_io_executor& executor, bool over_tls) {
  if (over_tls) return std::make_unique<WebSocketTransport<true>>(executor);
  return std::make_unique<WebSocketTransport<false>>(executor);
}

}  // namespace mqtt::client::detail
