// The reassembler alone: any order, any duplication, any overlap of a stream's segments gives back the same
// bytes, and bytes the capture lacks come back as gaps with the reason, never as invented data.
#include "capture/tcp_reassembler.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <random>

namespace mqtt::capture {
namespace {

std::vector<std::uint8_t> stream_bytes(std::size_t size) {
  std::vector<std::uint8_t> bytes(size);
  for (std::size_t i = 0; i < size; ++i) bytes[i] = static_cast<std::uint8_t>(i * 7 + 3);
  return bytes;
}

struct Collected {
  std::vector<std::uint8_t> bytes;
  std::vector<StreamPiece> gaps;
};

void collect(TcpReassembler& reassembler, Collected& out) {
  for (auto& piece : reassembler.take()) {
    if (piece.gap) {
      out.gaps.push_back(piece);
      out.bytes.insert(out.bytes.end(), piece.length, 0xEE);
    } else {
      EXPECT_EQ(piece.offset, out.bytes.size());
      out.bytes.insert(out.bytes.end(), piece.bytes.begin(), piece.bytes.end());
    }
  }
}

TEST(TcpReassembler, EveryTwoWaySplitInEitherOrderGivesTheSameBytes) {
  const auto bytes = stream_bytes(40);
  const std::uint32_t isn = 0xFFFFFFF0;  // the stream crosses sequence number wrap-around
  for (std::size_t cut = 1; cut < bytes.size(); ++cut) {
    for (const bool reversed : {false, true}) {
      TcpReassembler reassembler;
      reassembler.syn(isn - 1);
      Collected out;
      const std::span<const std::uint8_t> all(bytes);
      auto first = [&] {
        reassembler.segment(isn, all.first(cut), static_cast<std::uint32_t>(cut), false, 1, 0);
      };
      auto second = [&] {
        reassembler.segment(isn + static_cast<std::uint32_t>(cut), all.subspan(cut),
                            static_cast<std::uint32_t>(bytes.size() - cut), false, 2, 0);
      };
      if (reversed) {
        second();
        first();
      } else {
        first();
        second();
      }
      collect(reassembler, out);
      EXPECT_EQ(out.bytes, bytes) << "cut " << cut << (reversed ? " reversed" : "");
      EXPECT_TRUE(out.gaps.empty());
    }
  }
}

TEST(TcpReassembler, RandomOrderDuplicatesAndOverlapsGiveTheSameBytes) {
  const std::uint64_t seed = std::random_device{}();
  std::printf("reassembler seed %llu\n", static_cast<unsigned long long>(seed));
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 random(seed);
  const auto bytes = stream_bytes(3000);
  for (int round = 0; round < 200; ++round) {
    // Random segments covering the stream, some duplicated, some widened to overlap their neighbours.
    std::vector<std::pair<std::size_t, std::size_t>> segments;  // [start, end)
    for (std::size_t at = 0; at < bytes.size();) {
      const std::size_t length = 1 + random() % 400;
      const std::size_t end = std::min(bytes.size(), at + length);
      const std::size_t start =
          at > 0 && random() % 3 == 0 ? at - random() % std::min<std::size_t>(at, 50) : at;
      segments.emplace_back(start, end);
      if (random() % 4 == 0) segments.emplace_back(start, end);
      at = end;
    }
    std::shuffle(segments.begin(), segments.end(), random);
    TcpReassembler reassembler;
    reassembler.syn(999);
    Collected out;
    std::uint64_t frame = 0;
    for (const auto& [start, end] : segments) {
      reassembler.segment(1000 + static_cast<std::uint32_t>(start),
                          std::span<const std::uint8_t>(bytes).subspan(start, end - start),
                          static_cast<std::uint32_t>(end - start), false, ++frame, 0);
      collect(reassembler, out);
    }
    reassembler.finish(frame, 0);
    collect(reassembler, out);
    ASSERT_EQ(out.bytes, bytes) << "round " << round;
    ASSERT_TRUE(out.gaps.empty());
    EXPECT_EQ(reassembler.conflicting_overlaps(), 0u);
  }
}

TEST(TcpReassembler, MissingSegmentBecomesAGapWhenTheStreamEnds) {
  const auto bytes = stream_bytes(30);
  const std::span<const std::uint8_t> all(bytes);
  TcpReassembler reassembler;
  reassembler.syn(99);
  reassembler.segment(100, all.first(10), 10, false, 1, 0);
  reassembler.segment(120, all.subspan(20), 10, true, 3, 0);  // bytes 10..19 never captured
  Collected out;
  collect(reassembler, out);
  EXPECT_EQ(out.bytes.size(), 10u);  // held, not guessed
  reassembler.finish(4, 0);
  collect(reassembler, out);
  ASSERT_EQ(out.gaps.size(), 1u);
  EXPECT_EQ(out.gaps[0].offset, 10u);
  EXPECT_EQ(out.gaps[0].length, 10u);
  EXPECT_EQ(out.gaps[0].reason, "segment not captured");
  EXPECT_TRUE(std::equal(bytes.begin() + 20, bytes.end(), out.bytes.begin() + 20));
  EXPECT_TRUE(reassembler.fin_reached());
}

TEST(TcpReassembler, PeerAcknowledgementProvesAGapAsSoonAsLaterDataArrives) {
  const auto bytes = stream_bytes(30);
  const std::span<const std::uint8_t> all(bytes);
  TcpReassembler reassembler;
  reassembler.syn(99);
  reassembler.segment(100, all.first(10), 10, false, 1, 0);
  reassembler.acknowledged(120, 2, 0);
  reassembler.segment(120, all.subspan(20), 10, false, 3, 0);
  Collected out;
  collect(reassembler, out);
  ASSERT_EQ(out.gaps.size(), 1u);
  EXPECT_EQ(out.gaps[0].frame, 3u);
  EXPECT_EQ(out.bytes.size(), 30u);
}

TEST(TcpReassembler, ConflictingRetransmissionIsCountedAndTheFirstCopyWins) {
  const auto bytes = stream_bytes(20);
  auto other = bytes;
  other[15] ^= 0xFF;
  TcpReassembler reassembler;
  reassembler.syn(0);
  reassembler.segment(11, std::span<const std::uint8_t>(bytes).subspan(10), 10, false, 1, 0);
  reassembler.segment(11, std::span<const std::uint8_t>(other).subspan(10), 10, false, 2, 0);
  reassembler.segment(1, std::span<const std::uint8_t>(bytes).first(10), 10, false, 3, 0);
  Collected out;
  collect(reassembler, out);
  EXPECT_EQ(out.bytes, bytes);
  EXPECT_EQ(reassembler.conflicting_overlaps(), 1u);
}

TEST(TcpReassembler, SnaplenCutIsAGapWithItsReason) {
  const auto bytes = stream_bytes(100);
  TcpReassembler reassembler;
  reassembler.syn(0);
  reassembler.segment(1, std::span<const std::uint8_t>(bytes).first(40), 100, false, 1, 0);
  Collected out;
  collect(reassembler, out);
  ASSERT_EQ(out.gaps.size(), 1u);
  EXPECT_EQ(out.gaps[0].offset, 40u);
  EXPECT_EQ(out.gaps[0].length, 60u);
  EXPECT_EQ(out.gaps[0].reason, "cut by snaplen");
}

}  // namespace
}  // namespace mqtt::capture
