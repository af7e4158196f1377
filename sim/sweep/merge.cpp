#include "sim/sweep/merge.hpp"

#include <fmt/format.h>
#include <algorithm>
#include <limits>
#include <map>
#include <memory>

#include "sim/io/h5/write.hpp"
#include "sim/sweep/sweep_file.hpp"
#include "sim/util/atomic_file.hpp"
#include "sim/util/errors.hpp"

namespace mutsim::sweep {
namespace {

/// Where a point is: (input, row).
using Location = std::pair<size_t, size_t>;

std::vector<SweepInput> read_inputs(const std::vector<std::string>& paths) {
  if (paths.empty()) throw ConfigError("merge: no input files");
  std::vector<SweepInput> in;
  in.reserve(paths.size());
  for (const auto& path : paths) {
    in.push_back(read_sweep_input(h5::InputFile(path)));
    const std::string& mine = in.back().header.fingerprint;
    const std::string& first = in.front().header.fingerprint;
    if (mine != first)
      throw ConfigError(fmt::format(
          "{}: belongs to a different sweep than {} (fingerprint {} vs {}: another sweep file, "
          "seed, --set, or mutsim build)",
          path, paths.front(), mine, first));
  }
  return in;
}

std::map<uint32_t, Location> locate_points(const std::vector<SweepInput>& in) {
  std::map<uint32_t, Location> where;
  for (size_t f = 0; f < in.size(); ++f)
    for (size_t r = 0; r < in[f].records.size(); ++r) {
      const uint32_t p = in[f].records[r].point;
      auto [it, fresh] = where.emplace(p, Location{f, r});
      if (!fresh)
        throw ConfigError(fmt::format("point {} is in both {} and {}; merge each shard once", p,
                                      in[it->second.first].path, in[f].path));
    }
  return where;
}

/// The points the merge must hold, sorted; refuses inputs with fewer or more.
std::vector<uint32_t> wanted_points(const std::map<uint32_t, Location>& where,
                                    const SweepHeader& header,
                                    const std::optional<std::vector<uint32_t>>& expected) {
  std::vector<uint32_t> wanted;
  if (expected) {
    wanted = *expected;
    std::sort(wanted.begin(), wanted.end());
  } else {
    for (uint32_t p = 0; p < header.points_total; ++p) wanted.push_back(p);
  }
  std::vector<uint32_t> missing, extra;
  for (uint32_t p : wanted)
    if (!where.count(p)) missing.push_back(p);
  for (const auto& [p, location] : where)
    if (!std::binary_search(wanted.begin(), wanted.end(), p)) extra.push_back(p);
  if (!missing.empty())
    throw ConfigError(
        fmt::format("{} of {} points missing from the inputs (points {}); run the "
                    "shards that hold them, or resume the sweep",
                    missing.size(), wanted.size(), list_points(missing)));
  if (!extra.empty())
    throw ConfigError(
        fmt::format("the inputs hold points outside this merge (points {})", list_points(extra)));
  return wanted;
}

bool same_series(const std::vector<SeriesInfo>& a, const std::vector<SeriesInfo>& b) {
  if (a.size() != b.size()) return false;
  for (size_t k = 0; k < a.size(); ++k)
    if (a[k].name != b[k].name || a[k].unit != b[k].unit || a[k].description != b[k].description)
      return false;
  return true;
}

/// The merged rows in point order, where each comes from, and the months
/// and series, which every finished point must share.
struct Plan {
  std::vector<PointRecord> records;
  std::vector<Location> source;
  SweepContent content;
  MergeReport report;
};

Plan plan_merge(const std::vector<SweepInput>& in, const std::map<uint32_t, Location>& where,
                const std::vector<uint32_t>& wanted) {
  Plan plan;
  const SweepInput* reference = nullptr;
  for (uint32_t p : wanted) {
    const auto [f, r] = where.at(p);
    plan.records.push_back(in[f].records[r]);
    plan.source.emplace_back(f, r);
    if (!plan.records.back().ok) {
      ++plan.report.failed;
      plan.report.failed_points.push_back(p);
      continue;
    }
    if (!reference) {
      reference = &in[f];
      plan.content.dates = reference->dates;
      plan.content.series = reference->series;
    } else if (in[f].dates != reference->dates || !same_series(in[f].series, reference->series)) {
      throw ConfigError(fmt::format("{} and {}: the points have different months or series",
                                    reference->path, in[f].path));
    }
  }
  plan.report.points = plan.records.size();
  return plan;
}

/// Reads blocks from the inputs in point order, keeping a bounded number of
/// files open (for merges of many part files).
class BlockReader {
 public:
  BlockReader(const std::vector<SweepInput>& in, const Plan& plan, size_t replicates)
      : in_(in), plan_(plan), replicates_(replicates) {}

  void fill(size_t row, size_t k, double* out) {
    const size_t months = plan_.content.dates.size();
    if (!plan_.records[row].ok) {
      std::fill(out, out + replicates_ * months, std::numeric_limits<double>::quiet_NaN());
      return;
    }
    const auto [f, r] = plan_.source[row];
    if (!open_.count(f)) {
      if (open_.size() >= kMaxOpen) open_.clear();
      open_.emplace(f, std::make_unique<h5::InputFile>(in_[f].path));
    }
    open_.at(f)->read_block("/series/" + plan_.content.series[k].name, {r, 0, 0},
                            {1, replicates_, months}, out);
  }

 private:
  static constexpr size_t kMaxOpen = 64;
  const std::vector<SweepInput>& in_;
  const Plan& plan_;
  size_t replicates_;
  std::map<size_t, std::unique_ptr<h5::InputFile>> open_;
};

}  // namespace

std::string list_points(const std::vector<uint32_t>& points) {
  constexpr size_t kShown = 10;
  std::vector<uint32_t> shown(points.begin(),
                              points.begin() + static_cast<long>(std::min(points.size(), kShown)));
  return fmt::format("{}{}", fmt::join(shown, ", "), points.size() > kShown ? ", ..." : "");
}

MergeReport merge_sweep_files(const std::vector<std::string>& inputs, const std::string& output,
                              bool overwrite,
                              const std::optional<std::vector<uint32_t>>& expected) {
  std::vector<char> image;
  MergeReport report;
  {
    std::lock_guard lock(h5::library_mutex());
    const std::vector<SweepInput> in = read_inputs(inputs);
    const SweepHeader& header = in.front().header;
    const auto where = locate_points(in);
    Plan plan = plan_merge(in, where, wanted_points(where, header, expected));
    BlockReader blocks(in, plan, header.replicates);
    plan.content.fill = [&](size_t row, size_t k, double* out) { blocks.fill(row, k, out); };
    image = build_sweep_image(output, header, plan.records, plan.content);
    report = plan.report;
  }
  write_file_atomically(output, image, overwrite);
  return report;
}

}  // namespace mutsim::sweep
