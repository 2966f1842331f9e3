#include "broker/transport_relay.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <optional>
#include <span>
#include <variant>
#include <type_traits>

#include <utility>  // Boost 1.74 awaitable.hpp uses std::exchange without including it

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/beast/websocket/stream.hpp>

#include "broker/core.hpp"
#include "broker/framer.hpp"
#include "broker/transport_listener.hpp"

namespace mqtt::broker {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using asio::ip::tcp;
using boost::system::error_code;

using TlsStream = asio::ssl::stream<tcp::socket>;
using WebSocketStream = websocket::stream<tcp::socket>;
using SecureWebSocketStream = websocket::stream<TlsStream>;

template <class Stream>
constexpr bool is_websocket = !std::is_same_v<Stream, TlsStream>;

// How long a relay waits for the client's end after passing the broker's close on.
constexpr auto closing_grace = std::chrono::seconds(1);
constexpr std::size_t relay_chunk = 16 * 1024;

// Whether the comma-separated Sec-WebSocket-Protocol list offers "mqtt".
bool offers_mqtt(std::string_view offered) {
  while (!offered.empty()) {
    const std::size_t comma = offered.find(',');
    std::string_view item = offered.substr(0, comma);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (item == "mqtt") return true;
    if (comma == std::string_view::npos) break;
    offered.remove_prefix(comma + 1);
  }
  return false;
}

template <class Stream>
class Relay final : public TransportRelay, public std::enable_shared_from_this<Relay<Stream>> {
 public:
  Relay(std::shared_ptr<Broker::Core> core, Stream stream, RelaySettings settings,
        std::weak_ptr<TransportListener> listener)
      : core_(std::move(core)),
        stream_(std::move(stream)),
        settings_(std::move(settings)),
        listener_(std::move(listener)),
        broker_side_(stream_.get_executor()) {}

  asio::awaitable<void> run() {
    auto self = this->shared_from_this();
    if (co_await handshake() && !core_->stopping && connect_broker()) {
      asio::co_spawn(stream_.get_executor(), broker_to_client(self), asio::detached);
      co_await client_to_broker();
    } else {
      close_client();
    }
    if (auto listener = listener_.lock()) listener->forget(this);
  }

  void abort() override {
    close_client();
    error_code ignored;
    broker_side_.close(ignored);
  }

 private:
  tcp::socket& client_socket() { return beast::get_lowest_layer(stream_); }

  void close_client() {
    error_code ignored;
    client_socket().close(ignored);
  }

  // TLS, then the HTTP upgrade, within the connect timeout; false when the client does not complete them.
  asio::awaitable<bool> handshake() {
    asio::steady_timer deadline(stream_.get_executor(), settings_.handshake_deadline);
    deadline.async_wait([weak = this->weak_from_this()](error_code error) {
      if (error) return;
      if (auto relay = weak.lock()) relay->close_client();
    });
    error_code error;
    if constexpr (std::is_same_v<Stream, TlsStream>) {
      co_await stream_.async_handshake(asio::ssl::stream_base::server, asio::redirect_error(asio::use_awaitable, error));
    } else {
      if constexpr (std::is_same_v<Stream, SecureWebSocketStream>) {
        co_await stream_.next_layer().async_handshake(asio::ssl::stream_base::server,
                                                      asio::redirect_error(asio::use_awaitable, error));
      }
      if (!error) error = co_await upgrade();
    }
    deadline.cancel();
    co_return !error;
  }

  // Reads the HTTP request; upgrades it when it asks for the listener's path and offers the mqtt subprotocol
  // [MQTT-6.0.0-3], answering with that subprotocol [MQTT-6.0.0-4]; otherwise answers 404 or 400 and fails.
  asio::awaitable<error_code> upgrade() requires is_websocket<Stream> {
    beast::flat_buffer buffer;
    http::request<http::empty_body> request;
    error_code error;
    co_await http::async_read(stream_.next_layer(), buffer, request, asio::redirect_error(asio::use_awaitable, error));
    if (error) co_return error;
    const std::string_view target(request.target().data(), request.target().size());
    const std::string_view path = target.substr(0, target.find('?'));
    http::status refusal = http::status::ok;
    std::string why;
    if (!websocket::is_upgrade(request)) {
      refusal = http::status::bad_request;
      why = "MQTT over WebSocket needs an upgrade request\n";
    } else if (path != settings_.websocket_path) {
      refusal = http::status::not_found;
      why = "no MQTT endpoint here; it is " + settings_.websocket_path + "\n";
    } else if (!offers_mqtt(std::string_view(request[http::field::sec_websocket_protocol].data(),
                                             request[http::field::sec_websocket_protocol].size()))) {
      refusal = http::status::bad_request;
      why = "MQTT over WebSocket needs the subprotocol \"mqtt\"\n";
    }
    if (refusal != http::status::ok) {
      http::response<http::string_body> response{refusal, request.version()};
      response.set(http::field::server, "mqtt-harness");
      response.set(http::field::content_type, "text/plain");
      response.body() = why;
      response.prepare_payload();
      co_await http::async_write(stream_.next_layer(), response, asio::redirect_error(asio::use_awaitable, error));
      co_return websocket::error::upgrade_declined;
    }
    // The websocket-subprotocol-not-mqtt defect answers with the name older clients offered.
    const bool other_subprotocol = core_->has(Defect::websocket_subprotocol_not_mqtt);
    stream_.set_option(websocket::stream_base::decorator([other_subprotocol](websocket::response_type& response) {
      response.set(http::field::sec_websocket_protocol, other_subprotocol ? "mqttv3.1" : "mqtt");
      response.set(http::field::server, "mqtt-harness");
    }));
    co_await stream_.async_accept(request, asio::redirect_error(asio::use_awaitable, error));
    stream_.binary(true);
    if (core_->has(Defect::websocket_text_frames)) stream_.text(true);
    co_return error;
  }

  // False when this read ended a WebSocket message inside an MQTT packet (a legal framing the defect refuses).
  bool ends_message_between_packets(Framer& boundaries, const std::uint8_t* data, std::size_t size)
    requires is_websocket<Stream> {
    boundaries.feed(std::span<const std::uint8_t>(data, size));
    while (std::holds_alternative<Frame>(boundaries.next())) {
    }
    return !stream_.is_message_done() || boundaries.buffered() == 0;
  }

  // The broker serves the other end of a local socket pair like any accepted client.
  bool connect_broker() {
    int ends[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends) != 0) return false;
    error_code error;
    broker_side_.assign(asio::local::stream_protocol(), ends[0], error);
    tcp::socket broker_end(stream_.get_executor());
    if (!error) broker_end.assign(tcp::v4(), ends[1], error);
    if (error) {
      ::close(ends[0]);
      ::close(ends[1]);
      return false;
    }
    core_->serve(std::move(broker_end));
    return true;
  }

  asio::awaitable<void> client_to_broker() {
    std::array<std::uint8_t, relay_chunk> buffer{};
    // The websocket-split-packet-rejected defect: packet boundaries are followed to see where a message ends.
    std::optional<Framer> boundaries;
    if constexpr (is_websocket<Stream>) {
      if (core_->has(Defect::websocket_split_packet_rejected)) boundaries.emplace(UINT32_MAX);
    }
    for (;;) {
      error_code error;
      const std::size_t size =
          co_await stream_.async_read_some(asio::buffer(buffer), asio::redirect_error(asio::use_awaitable, error));
      if constexpr (is_websocket<Stream>) {
        // MQTT travels in binary frames only; anything else ends the connection [MQTT-6.0.0-1].
        if (size > 0 && stream_.got_text()) break;
        if (boundaries && size > 0 && !ends_message_between_packets(*boundaries, buffer.data(), size)) break;
      }
      if (size > 0) {
        error_code write_error;
        co_await asio::async_write(broker_side_, asio::buffer(buffer.data(), size),
                                   asio::redirect_error(asio::use_awaitable, write_error));
        if (write_error) break;
      }
      if (error) break;
    }
    // The client's end (clean or not) is the end of the broker's stream.
    error_code ignored;
    broker_side_.shutdown(asio::socket_base::shutdown_send, ignored);
  }

  asio::awaitable<void> broker_to_client(std::shared_ptr<Relay> self) {
    std::array<std::uint8_t, relay_chunk> buffer{};
    for (;;) {
      error_code error;
      const std::size_t size =
          co_await broker_side_.async_read_some(asio::buffer(buffer), asio::redirect_error(asio::use_awaitable, error));
      if (size > 0) {
        const bool written = co_await write_to_client(buffer.data(), size);
        if (!written) break;
      }
      if (error) break;
    }
    // The broker closed the connection: say so to the client, then release the socket once the client has
    // answered or the grace has passed.
    error_code ignored;
    if constexpr (is_websocket<Stream>) {
      if (stream_.is_open()) {
        stream_.async_close(websocket::close_code::normal, [self](error_code) {});
      }
    } else {
      client_socket().shutdown(tcp::socket::shutdown_send, ignored);
    }
    asio::steady_timer grace(stream_.get_executor(), closing_grace);
    co_await grace.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
    close_client();
    broker_side_.close(ignored);
  }

  asio::awaitable<bool> write_to_client(const std::uint8_t* data, std::size_t size) {
    error_code error;
    if constexpr (is_websocket<Stream>) {
      // One message per read from the broker (often several packets), or pieces of at most the configured limit.
      const std::size_t piece = settings_.websocket_message_limit == 0 ? size : settings_.websocket_message_limit;
      for (std::size_t offset = 0; offset < size && !error; offset += piece) {
        co_await stream_.async_write(asio::buffer(data + offset, std::min(piece, size - offset)),
                                     asio::redirect_error(asio::use_awaitable, error));
        // The websocket-text-frames defect sends its first message (the CONNACK) as text, then binary ones: a
        // client would refuse later packets that are not UTF-8, and only the text frame is the defect's.
        stream_.binary(true);
      }
    } else {
      co_await asio::async_write(stream_, asio::buffer(data, size), asio::redirect_error(asio::use_awaitable, error));
    }
    co_return !error;
  }

  std::shared_ptr<Broker::Core> core_;
  Stream stream_;
  RelaySettings settings_;
  std::weak_ptr<TransportListener> listener_;
  asio::local::stream_protocol::socket broker_side_;
};

template <class Stream>
std::shared_ptr<TransportRelay> launch(std::shared_ptr<Broker::Core> core, Stream stream, const RelaySettings& settings,
                                       std::weak_ptr<TransportListener> listener) {
  asio::io_context& io_context = *core->io_context;
  auto relay = std::make_shared<Relay<Stream>>(std::move(core), std::move(stream), settings, std::move(listener));
  asio::co_spawn(io_context, [relay] { return relay->run(); }, asio::detached);
  return relay;
}

}  // namespace

std::shared_ptr<TransportRelay> start_relay(std::shared_ptr<Broker::Core> core, tcp::socket client,
                                            const RelaySettings& settings, asio::ssl::context* tls,
                                            std::weak_ptr<TransportListener> listener) {
  error_code ignored;
  client.set_option(tcp::no_delay(true), ignored);
  switch (settings.transport) {
    case ListenerTransport::mqtts:
      return launch(std::move(core), TlsStream(std::move(client), *tls), settings, std::move(listener));
    case ListenerTransport::ws:
      return launch(std::move(core), WebSocketStream(std::move(client)), settings, std::move(listener));
    case ListenerTransport::wss:
      return launch(std::move(core), SecureWebSocketStream(std::move(client), *tls), settings, std::move(listener));
    case ListenerTransport::mqtt:
      core->serve(std::move(client));
      return nullptr;
  }
  return nullptr;
}

}  // namespace mqtt::broker
