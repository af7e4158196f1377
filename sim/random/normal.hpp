#pragma once
// Boost's normal_distribution<float> on the streams of a chunk of entities,
// bit for bit, with the common case vectorised.
//
// Boost 1.74's ziggurat (boost/random/normal_distribution.hpp,
// unit_normal_distribution) takes one 32-bit word from a Stream per attempt:
// its low 8 bits pick the sign and one of 128 layers, its high 24 bits a
// float r in [0, 1). It returns x = r * table_x[i] at once when x lies under
// the next layer's edge, table_x[i + 1]: 97.2% of draws (the mean over
// layers of the share of r accepted). Only that test and
// that product are computed here, in AVX2 when the CPU has it (the same
// float operations and Boost's own tables, converted once), and the rare
// rest (wedges and tail, which need more words, exp and log) is Boost's own
// code on the entity's Stream, from its first word again. So every value is
// exactly what boost::random::normal_distribution<float> gives on that
// Stream, on every machine: tests/random/test_normal.cpp checks it on tens
// of millions of draws, and the build has -ffp-contract=off so no
// multiply-add can be fused differently in either path.
#include <cstddef>
#include <cstdint>

#include "sim/random/random.hpp"

namespace mutsim {

/// The keys shared by the streams of one chunk: entity first + j is lane j.
struct ChunkKey {
  uint64_t seed;
  uint32_t replicate;
  uint16_t month;
  Purpose purpose;
  uint32_t first;
};

/// out[j] = boost::random::normal_distribution<float>(mean, sigma) drawn from
/// Stream(key.seed, key.replicate, key.month, key.first + j, key.purpose),
/// for j < count, given `blocks` = philox_first_blocks of that chunk.
/// Chooses AVX2 or scalar at run time; both give the same bits.
void normal_from_blocks(float mean, float sigma, const ChunkKey& key, const FirstBlocks& blocks,
                        size_t count, float* out);

/// The same without vector instructions, for tests and benchmarks.
void normal_from_blocks_scalar(float mean, float sigma, const ChunkKey& key,
                               const FirstBlocks& blocks, size_t count, float* out);

/// Whether normal_from_blocks uses AVX2 on this CPU.
bool normal_from_blocks_vectorised();

}  // namespace mutsim
