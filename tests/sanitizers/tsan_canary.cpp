// A deliberate data race inside a oneTBB parallel_for, built and run by the
// tsan stage of scripts/test-sanitizers.sh. Without an argument the loop is
// race-free and ThreadSanitizer must stay silent (no false positives from
// TBB's scheduler); with one it adds to a shared sum without an atomic and
// ThreadSanitizer must report it (the stage can fail). Not part of ctest.
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/parallel_for.h>

#include <cstdio>
#include <vector>

int main(int argc, char**) {
  const tbb::global_control two_threads(tbb::global_control::max_allowed_parallelism, 2);
  const bool race = argc > 1;
  std::vector<double> values(1 << 16, 1.0);
  long racy_sum = 0;
  tbb::parallel_for(0, static_cast<int>(values.size()), [&](int i) {
    values[static_cast<std::size_t>(i)] *= 2.0;
    if (race) racy_sum += i;
  });
  std::printf("%g %ld\n", values[5], racy_sum);
  return 0;
}
