// How an AsyncConnection's end is recorded, shared by its files (async_connection.cpp: writes and closes;
// async_connection_reading.cpp: reads). Internal: included by .cpp files only.
#pragma once

#include <cstddef>

#include <boost/asio/error.hpp>
#include <boost/system/error_code.hpp>

#include "history/event.hpp"

namespace mqtt::client::detail {

// A socket error as the reason a connection closed.
inline history::CloseReason close_reason_for(const boost::system::error_code& error) {
  if (error == boost::asio::error::eof) return history::CloseReason::clean_eof;
  return history::CloseReason::reset;  // connection_reset, broken_pipe and every other socket failure
}

// A decode_error or a close inside a packet keeps at most this many of the bytes that did not decode: the first
// ones show what went wrong, and the error's offset says where.
inline constexpr std::size_t max_error_bytes = 64u << 10;

}  // namespace mqtt::client::detail
