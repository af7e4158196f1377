#include "sim/model/metrics.hpp"

#include <algorithm>
#include <array>
#include <cassert>
#include <numeric>

#include "sim/model/engagement.hpp"
#include "sim/model/forms.hpp"
#include "sim/model/initial_mutuals.hpp"
#include "sim/model/pipeline.hpp"

namespace mutsim {
namespace {

struct PipelineCounts {
  std::vector<double> exploring, in_progress;
};

PipelineCounts count_open_proposals(const ReplicateState& st) {
  PipelineCounts c{std::vector<double>(st.scenario.routes.size(), 0.0),
                   std::vector<double>(st.scenario.routes.size(), 0.0)};
  for (const auto& p : st.proposals) {
    if (p.stage == Stage::Exploring) c.exploring[p.route] += st.weight(p.org);
    if (p.stage == Stage::InProgress) c.in_progress[p.route] += st.weight(p.org);
  }
  return c;
}

double sum(const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0); }

/// Active mutuals and their staff, in real-world units (each weighted by
/// its organisation's sampling weight). Mutuals of every form count as
/// mutuals (the government's definition); staff count under the headline
/// reading (target.reading), and under each reading and form apart.
struct MutualTotals {
  double staff = 0, staff_nhs = 0, active = 0, active_nhs = 0;
  double staff_strict = 0, staff_broad = 0, staff_off_payroll = 0;
  std::array<double, kForms> active_by_form{}, staff_by_form{};
};

MutualTotals mutual_totals(const ReplicateState& st) {
  const MutualForms& forms = st.scenario.forms;
  const bool broad = headline_reading_broad(st.scenario);
  MutualTotals t;
  for (const auto& m : st.mutuals) {
    if (!m.active) continue;
    const double weight = st.weight(m.org);
    const double people = weight * static_cast<double>(m.staff);
    const bool counts = form_counts(forms, m.form, broad);
    t.staff += counts ? people : 0.0;
    t.active += weight;
    if (m.nhs) t.staff_nhs += counts ? people : 0.0, t.active_nhs += weight;
    t.staff_strict += form_counts(forms, m.form, false) ? people : 0.0;
    t.staff_broad += form_counts(forms, m.form, true) ? people : 0.0;
    t.staff_off_payroll += form_terms(forms, m.form).leaves_payroll ? people : 0.0;
    t.active_by_form[static_cast<size_t>(m.form)] += weight;
    t.staff_by_form[static_cast<size_t>(m.form)] += people;
  }
  return t;
}

/// Forms of mutuals (issue 13 item 1): both readings of the target and
/// every form's mutuals and staff.
void append_forms_catalogue(std::vector<SeriesInfo>& c) {
  c.push_back({"staff_in_mutuals_strict", "people",
               "staff of active mutuals whose form counts under the strict reading"});
  c.push_back({"staff_in_mutuals_broad", "people",
               "staff of active mutuals whose form counts under the broad reading"});
  c.push_back({"share_in_mutuals_strict", "fraction",
               "staff_in_mutuals_strict / public_sector_employment"});
  c.push_back(
      {"share_in_mutuals_broad", "fraction", "staff_in_mutuals_broad / public_sector_employment"});
  c.push_back({"staff_left_public_payroll", "people",
               "staff of active mutuals whose form takes them off the public-sector payroll"});
  for (const char* form : kFormNames) {
    c.push_back({std::string("mutuals_active_") + form, "mutuals",
                 std::string("active mutuals of the form ") + form});
    c.push_back({std::string("staff_in_mutuals_") + form, "people",
                 std::string("staff of active mutuals of the form ") + form});
  }
}

size_t measure_forms(const MutualTotals& m, double employment, std::span<double> out, size_t i) {
  for (double v : {m.staff_strict, m.staff_broad, m.staff_strict / employment,
                   m.staff_broad / employment, m.staff_off_payroll})
    out[i++] = v;
  for (size_t f = 0; f < kForms; ++f) {
    out[i++] = m.active_by_form[f];
    out[i++] = m.staff_by_form[f];
  }
  return i;
}

/// Staff, attitude sum and supporters weighted by their organisation's
/// weight: estimates of the whole population's (types are sampled at
/// different rates, so an unweighted mean would be biased).
struct StaffTotals {
  double staff = 0, attitude_sum = 0, supporters = 0;
  double mean_attitude() const { return staff > 0 ? attitude_sum / staff : 0.0; }
  double support_share() const { return staff > 0 ? supporters / staff : 0.0; }
};

StaffTotals staff_totals(const ReplicateState& st) {
  const auto& pop = st.population;
  StaffTotals t;
  for (uint32_t s = 0; s < pop.services(); ++s) {
    const double weight = pop.weight(pop.service_org[s]);
    t.staff += weight * static_cast<double>(pop.service_size(s));
    t.attitude_sum += weight * st.aggregates.attitude_sum[s];
    t.supporters += weight * st.aggregates.supporters[s];
  }
  return t;
}

/// The signals the model itself reads each month (issue 13 item 9), so
/// that a run shows what drove its staff and proposals.
void append_climate_catalogue(const Scenario& s, std::vector<SeriesInfo>& c) {
  c.push_back({"wait_and_see_uncertainty", "fraction",
               "weight of the prior in the wait-and-see reading, in [0, 1]"});
  c.push_back({"information_level", "level", "information-service level staff read, in [0, 1]"});
  c.push_back({"fund_remaining_gbp", "GBP", "support fund budget not yet spent"});
  c.push_back({"reserved_contracts_open", "flag", "1 while reserved contracts are awarded"});
  c.push_back({"mutuals_on_reserved_contracts", "mutuals",
               "active mutuals whose current contract was reserved"});
  for (const auto& [type, _] : s.population.org_types) {
    c.push_back({"contract_security_" + type, "security",
                 "contract security staff of " + type + " read, in [0, 1]"});
    c.push_back({"procurement_uncertainty_" + type, "uncertainty",
                 "procurement uncertainty staff of " + type + " read, in [0, 1]"});
  }
}

/// Fills the climate part of a month's values, in append_climate_catalogue's
/// order, from `i` on; returns the index after it.
size_t measure_climate(const ReplicateState& st, std::span<double> out, size_t i) {
  double on_reserved = 0;
  for (const auto& m : st.mutuals)
    if (m.active && m.procurement == Procurement::Reserved) on_reserved += st.weight(m.org);
  const Climate& c = st.climate;
  for (double v :
       {static_cast<double>(c.wait_and_see_uncertainty), static_cast<double>(c.information),
        std::max(0.0, fund_remaining_gbp(st)), c.reserved_active ? 1.0 : 0.0, on_reserved})
    out[i++] = v;
  for (size_t k = 0; k < st.scenario.population.org_types.size(); ++k) {
    out[i++] = c.contract_security[k];
    out[i++] = c.procurement_uncertainty[k];
  }
  return i;
}

/// Issue 13 items 5-7: service lines, the commissioning periods and their
/// transition uncertainty, AQP volume losses and Article 77's reserved terms.
void append_commissioning_catalogue(const Scenario& s, std::vector<SeriesInfo>& c) {
  c.push_back({"aqp_volume_losses_cumulative", "contracts",
               "AQP re-procurements where the accredited incumbent mutual lost volume"});
  c.push_back({"reserved_awards_cumulative", "contracts", "reserved awards to mutuals"});
  c.push_back({"reserved_barred_cumulative", "contracts",
               "awards open to reservation that Article 77's repeat bar kept open to competition"});
  for (const auto& [sector, _] : s.population.sectors) {
    c.push_back({"commissioning_period_" + sector, "index",
                 "0-based commissioning period in force for " + sector});
    c.push_back({"commissioning_transition_uncertainty_" + sector, "uncertainty",
                 "transition uncertainty added to " + sector + "'s procurement uncertainty"});
  }
  for (const auto& [line, _] : s.population.service_lines) {
    c.push_back({"proposals_" + line + "_cumulative", "proposals",
                 "proposals of units on service line " + line});
    c.push_back({"abandoned_" + line + "_cumulative", "proposals",
                 "abandoned proposals on service line " + line});
    c.push_back({"spinouts_" + line + "_cumulative", "mutuals",
                 "spin-outs of units on service line " + line});
  }
}

size_t measure_commissioning(const ReplicateState& st, std::span<double> out, size_t i) {
  const Tallies& t = st.tallies;
  for (double v : {t.aqp_volume_losses, t.reserved_awards, t.reserved_barred}) out[i++] = v;
  for (size_t k = 0; k < st.scenario.population.sectors.size(); ++k) {
    out[i++] = st.climate.commissioning_period[k];
    out[i++] = st.climate.transition_uncertainty[k];
  }
  for (size_t l = 0; l < st.scenario.population.service_lines.size(); ++l)
    for (double v : {t.proposals_by_line[l], t.abandoned_by_line[l], t.spinouts_by_line[l]})
      out[i++] = v;
  return i;
}

/// Engagement as an outcome (issue 13 item 2).
void append_engagement_catalogue(std::vector<SeriesInfo>& c) {
  c.push_back({"mean_engagement_in_mutuals", "engagement",
               "mean engagement of staff of active mutuals, in [0, 1] (0 before any)"});
  c.push_back({"mean_engagement_outside_mutuals", "engagement",
               "mean engagement of staff outside active mutuals, in [0, 1]"});
  c.push_back({"engagement_gap", "engagement",
               "mean_engagement_in_mutuals - mean_engagement_outside_mutuals (0 before any "
               "mutual)"});
}

size_t measure_engagement(const ReplicateState& st, std::span<double> out, size_t i) {
  const EngagementTotals t = engagement_totals(st);
  for (double v : {t.mean_inside(), t.mean_outside(), t.gap()}) out[i++] = v;
  return i;
}

/// Mutuals from before the run (issue 13 item 3), in real-world units.
void append_initial_mutuals_catalogue(std::vector<SeriesInfo>& c) {
  c.push_back({"initial_mutuals_active", "mutuals",
               "active mutuals founded before the run (mutuals.initial_mutuals)"});
  c.push_back({"staff_in_initial_mutuals", "people", "their staff"});
}

size_t measure_initial_mutuals(const ReplicateState& st, std::span<double> out, size_t i) {
  double active = 0, staff = 0;
  for (const Mutual& m : st.mutuals) {
    if (!m.active || !founded_before_run(m)) continue;
    const double weight = st.weight(m.org);
    active += weight;
    staff += weight * static_cast<double>(m.staff);
  }
  out[i++] = active;
  out[i++] = staff;
  return i;
}

}  // namespace

double interpolate(const std::vector<SeriesPoint>& points, Month date) {
  if (date <= points.front().date) return points.front().value;
  if (date >= points.back().date) return points.back().value;
  for (size_t i = 1; i < points.size(); ++i) {
    if (date > points[i].date) continue;
    const auto& a = points[i - 1];
    const auto& b = points[i];
    const double f = static_cast<double>(date - a.date) / static_cast<double>(b.date - a.date);
    return a.value + f * (b.value - a.value);
  }
  return points.back().value;
}

std::vector<SeriesInfo> series_catalogue(const Scenario& s) {
  std::vector<SeriesInfo> c = {
      {"staff_total", "people", "staff represented by the model's agents"},
      {"public_sector_employment", "people", "public-sector employment denominator"},
      {"staff_in_mutuals", "people",
       "staff of units in an active mutual whose form counts under target.reading"},
      {"staff_in_mutuals_nhs", "people",
       "the part of staff_in_mutuals in mutuals of NHS organisations"},
      {"share_in_mutuals", "fraction", "staff_in_mutuals / public_sector_employment"},
      {"mutuals_active", "mutuals", "active mutuals"},
      {"mutuals_active_nhs", "mutuals", "active mutuals spun out of NHS organisations"},
      {"mutuals_serving_nhs", "mutuals",
       "mutuals providing some service to the NHS: NHS spin-outs, plus "
       "mutuals.serving_nhs_share_outside of the other active mutuals, plus "
       "mutuals.serving_nhs_before_2010"},
      {"spinouts_cumulative", "mutuals", "spin-outs since the start, all routes"},
      {"proposals_cumulative", "proposals", "proposals ever entered, all routes"},
      {"proposals_exploring", "proposals", "proposals exploring options at month end"},
      {"proposals_in_progress", "proposals", "proposals with a business case in progress"},
      {"abandoned_cumulative", "proposals", "proposals abandoned since the start"},
      {"mutual_failures_cumulative", "mutuals", "mutuals that failed since the start"},
      {"contracts_retendered", "contracts", "mutual contracts re-procured this month"},
      {"contracts_lost_by_mutuals", "contracts", "re-procured contracts the mutual lost"},
      {"mean_attitude", "attitude", "mean staff attitude to spinning out, in [-1, 1]"},
      {"support_share", "fraction", "share of staff above the support threshold"},
      {"wait_and_see_signal", "signal", "retention signal staff read, in [-1, 1]"},
      {"fund_spent_gbp", "GBP", "cumulative support fund and Pathfinder grants"},
  };
  for (const auto& [route, _] : s.routes) {
    c.push_back({"spinouts_" + route + "_cumulative", "mutuals", "spin-outs on route " + route});
    c.push_back({"proposals_" + route + "_cumulative", "proposals", "proposals on route " + route});
    c.push_back({"proposals_" + route + "_exploring", "proposals", "exploring, route " + route});
    c.push_back(
        {"proposals_" + route + "_in_progress", "proposals", "in progress, route " + route});
    c.push_back({"abandoned_" + route + "_cumulative", "proposals", "abandoned, route " + route});
    c.push_back({"proposals_" + route + "_open", "proposals",
                 "open (exploring or in progress), route " + route});
    c.push_back({"spinouts_" + route + "_whole_cumulative", "mutuals",
                 "whole-organisation spin-outs on route " + route});
    c.push_back({"spinouts_" + route + "_whole_share", "fraction",
                 "whole-organisation share of spin-outs on route " + route + " (0 before any)"});
  }
  append_climate_catalogue(s, c);
  append_forms_catalogue(c);
  append_commissioning_catalogue(s, c);
  append_engagement_catalogue(c);
  append_initial_mutuals_catalogue(c);
  return c;
}

void measure_month(const ReplicateState& st, int32_t month, std::span<double> out) {
  const MutualTotals m = mutual_totals(st);
  const StaffTotals staff = staff_totals(st);
  const double employment = interpolate(st.scenario.employment.public_sector, st.date(month));
  const PipelineCounts open = count_open_proposals(st);
  const Tallies& t = st.tallies;

  size_t i = 0;
  const MutualParams& mp = st.scenario.mutuals;
  const double serving_nhs = m.active_nhs +
                             mp.serving_nhs_share_outside * (m.active - m.active_nhs) +
                             mp.serving_nhs_before_2010;
  for (double v : {staff.staff,
                   employment,
                   m.staff,
                   m.staff_nhs,
                   m.staff / employment,
                   m.active,
                   m.active_nhs,
                   serving_nhs,
                   sum(t.spinouts_by_route),
                   sum(t.proposals_by_route),
                   sum(open.exploring),
                   sum(open.in_progress),
                   sum(t.abandoned_by_route),
                   t.failures,
                   t.retendered_this_month,
                   t.lost_this_month,
                   staff.mean_attitude(),
                   staff.support_share(),
                   static_cast<double>(st.climate.wait_and_see_signal),
                   t.fund_spent_gbp})
    out[i++] = v;
  for (size_t r = 0; r < st.scenario.routes.size(); ++r)
    for (double v :
         {t.spinouts_by_route[r], t.proposals_by_route[r], open.exploring[r], open.in_progress[r],
          t.abandoned_by_route[r], open.exploring[r] + open.in_progress[r],
          t.whole_spinouts_by_route[r],
          t.spinouts_by_route[r] > 0 ? t.whole_spinouts_by_route[r] / t.spinouts_by_route[r] : 0.0})
      out[i++] = v;
  i = measure_climate(st, out, i);
  i = measure_forms(m, employment, out, i);
  i = measure_commissioning(st, out, i);
  i = measure_engagement(st, out, i);
  i = measure_initial_mutuals(st, out, i);
  assert(i == out.size());  // the catalogue and this list must match
}

}  // namespace mutsim
