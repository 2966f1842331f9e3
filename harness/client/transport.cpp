// Which transport carries a scheme's bytes.
#include "client/detail/transport.hpp"

namespace mqtt::client::detail {

std::unique_ptr<Transport> make_transport(const boost::asio::any_io_executor& executor, Scheme scheme) {
  switch (scheme) {
    case Scheme::mqtt:
      return make_tcp_transport(executor);
    case Scheme::mqtts:
      return make_tls_transport(executor);
    case Scheme::ws:
      return make_websocket_transport(executor, false);
    case Scheme::wss:
      return make_websocket_transport(executor, true);
  }
  return make_tcp_transport(executor);
}

}  // namespace mqtt::client::detail
