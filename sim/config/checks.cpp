#include "sim/config/checks.hpp"

#include <fmt/format.h>
#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>

namespace mutsim {
namespace {

// Shares typed by hand with a few decimals must still count as summing to 1.
constexpr double kShareSumTolerance = 1e-6;

template <class T>
void require_known(const std::vector<Named<T>>& table, const std::string& name,
                   const std::string& path, const char* what, const CheckFailure& fail) {
  if (find_named(table, name)) return;
  std::vector<std::string> known;
  known.reserve(table.size());
  for (const auto& item : table) known.push_back(item.name);
  fail(path, fmt::format("unknown {} '{}' (known: {})", what, name, fmt::join(known, ", ")));
}

/// Table keys must be identifiers (see kMaxNameLength).
template <class T>
void check_identifiers(const std::vector<Named<T>>& table, const std::string& path,
                       const CheckFailure& fail) {
  for (const auto& item : table) {
    const bool valid_chars = std::all_of(item.name.begin(), item.name.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
    });
    if (item.name.empty() || item.name.size() > kMaxNameLength || !valid_chars)
      fail(path + "." + item.name,
           fmt::format("names must be 1 to {} letters, digits, '_' or '-'", kMaxNameLength));
  }
}

/// A -> B -> A would bring a ceased type back; follow each chain.
void check_divestment_chains(const std::vector<Named<OrgType>>& types, const CheckFailure& fail) {
  for (const auto& [name, type] : types) {
    std::set<std::string> visited{name};
    for (const OrgType* t = &type; t->divest_date;) {
      const std::string& next = t->divest_to;
      if (!visited.insert(next).second)
        fail("population.org_types." + name + ".divest_to",
             fmt::format("divestment cycle through '{}'", next));
      t = find_named(types, next);
      if (!t) break;  // reported by require_known
    }
  }
}

/// Successor shares: known types that do not divest themselves (no chains
/// through a draw), not the type itself, summing to 1.
void check_divest_shares(const std::vector<Named<OrgType>>& types, const CheckFailure& fail) {
  for (const auto& [name, type] : types) {
    if (type.divest_shares.empty()) continue;
    const std::string path = "population.org_types." + name + ".divest_shares";
    if (!type.divest_date) fail(path, "needs divest_date");
    double total = 0;
    for (const auto& [successor, share] : type.divest_shares) {
      total += share.share;
      const OrgType* next = find_named(types, successor);
      const std::string key = fmt::format("{}.{}", path, successor);
      if (!next)
        fail(key, fmt::format("unknown organisation type '{}'", successor));
      else if (successor == name)
        fail(key, "cannot divest to itself");
      else if (next->divest_date)
        fail(key, "a successor drawn by share cannot itself divest");
    }
    if (std::abs(total - 1.0) > kShareSumTolerance)
      fail(path, fmt::format("the shares must sum to 1, got {}", total));
  }
}

/// Initial mutuals: a known type, a known form, founded before the run
/// starts and with a contract that ends after it was founded.
void check_initial_mutuals(const Scenario& s, const CheckFailure& fail) {
  for (const auto& [name, row] : s.mutuals.initial_mutuals) {
    const std::string path = "mutuals.initial_mutuals." + name;
    require_known(s.population.org_types, row.org_type, path + ".org_type", "organisation type",
                  fail);
    if (std::find(kMutualFormKeys.begin(), kMutualFormKeys.end(), row.form) ==
        kMutualFormKeys.end())
      fail(path + ".form", fmt::format("'{}' is not a form (forms.*)", row.form));
    if (!(row.founded < s.time.start))
      fail(path + ".founded", "must be before time.start (a mutual from before the run)");
    if (!(row.founded < row.contract_end)) fail(path + ".contract_end", "must be after founded");
  }
}

void check_names(const std::vector<std::string>& names, const std::vector<Named<OrgType>>& types,
                 const std::string& path, const CheckFailure& fail) {
  for (const auto& name : names) require_known(types, name, path, "organisation type", fail);
}

/// Each line's types are known and listed once; each type's shares over all
/// lines sum to 1, or the type is on no line (its units have none).
void check_service_lines(const Scenario& s, const CheckFailure& fail) {
  const auto& lines = s.population.service_lines;
  check_identifiers(lines, "population.service_lines", fail);
  std::vector<double> total(s.population.org_types.size(), 0.0);
  for (const auto& [name, line] : lines) {
    const std::string path = "population.service_lines." + name + ".org_types";
    std::set<std::string> seen;
    for (size_t i = 0; i < line.org_types.size(); ++i) {
      const std::string item = fmt::format("{}[{}].org_type", path, i);
      const std::string& type = line.org_types[i].org_type;
      require_known(s.population.org_types, type, item, "organisation type", fail);
      if (!seen.insert(type).second) fail(item, fmt::format("'{}' appears twice", type));
      const int t = index_of_named(s.population.org_types, type);
      if (t >= 0) total[t] += line.org_types[i].share;
    }
  }
  for (size_t t = 0; t < total.size(); ++t)
    if (total[t] != 0 && std::abs(total[t] - 1.0) > kShareSumTolerance)
      fail("population.service_lines",
           fmt::format("the shares of organisation type '{}' must sum to 1 over the lines, got {}",
                       s.population.org_types[t].name, total[t]));
}

void check_population(const Scenario& s, const CheckFailure& fail) {
  if (s.population.sectors.empty()) fail("population.sectors", "needs at least one sector");
  if (s.population.org_types.empty()) fail("population.org_types", "needs at least one type");
  check_identifiers(s.population.sectors, "population.sectors", fail);
  check_identifiers(s.population.org_types, "population.org_types", fail);
  for (const auto& [name, type] : s.population.org_types) {
    const std::string path = "population.org_types." + name;
    require_known(s.population.sectors, type.sector, path + ".sector", "sector", fail);
    if (type.service_min > type.service_max)
      fail(path + ".service_min", fmt::format("must not exceed service_max ({} > {})",
                                              type.service_min, type.service_max));
    if (type.staff_total < type.count)
      fail(path + ".staff_total", "must be at least one member of staff per organisation");
    if (type.divest_date) {
      if (type.divest_to.empty()) fail(path + ".divest_to", "required when divest_date is set");
      require_known(s.population.org_types, type.divest_to, path + ".divest_to",
                    "organisation type", fail);
      if (type.divest_to == name) fail(path + ".divest_to", "cannot divest to itself");
    }
  }
  check_divestment_chains(s.population.org_types, fail);
  check_divest_shares(s.population.org_types, fail);
  check_service_lines(s, fail);
}

void check_routes(const Scenario& s, const CheckFailure& fail) {
  check_identifiers(s.routes, "routes", fail);
  for (const auto& [name, route] : s.routes) {
    const std::string path = "routes." + name;
    if (route.end && *route.end < route.start)
      fail(path + ".end",
           fmt::format("{} is before start {}", route.end->str(), route.start.str()));
    if (route.complete_by && *route.complete_by < route.start)
      fail(path + ".complete_by",
           fmt::format("{} is before start {}", route.complete_by->str(), route.start.str()));
    if (route.wind_down_from && *route.wind_down_from < route.start)
      fail(path + ".wind_down_from",
           fmt::format("{} is before start {}", route.wind_down_from->str(), route.start.str()));
    check_names(route.org_types, s.population.org_types, path + ".org_types", fail);
    if (route.contract.min_years > route.contract.max_years)
      fail(path + ".contract.min_years", "must not exceed max_years");
  }
}

void check_shares(const PerProcurement& shares, const std::string& path, const CheckFailure& fail) {
  double sum = shares.direct_award + shares.any_qualified_provider + shares.competitive_tender;
  if (std::abs(sum - 1.0) > kShareSumTolerance)
    fail(path, fmt::format("shares must sum to 1, got {}", sum));
}

void check_commissioning(const Scenario& s, const CheckFailure& fail) {
  for (const auto& [name, sector] : s.population.sectors)
    if (!find_named(s.commissioning.sectors, name))
      fail("commissioning.sectors", fmt::format("missing the schedule for sector '{}'", name));
  for (const auto& [name, schedule] : s.commissioning.sectors) {
    const std::string path = "commissioning.sectors." + name + ".periods";
    require_known(s.population.sectors, name, "commissioning.sectors." + name, "sector", fail);
    if (schedule.periods.empty()) fail(path, "needs at least one period");
    if (!schedule.periods.empty() && schedule.periods.front().from > s.time.start)
      fail(path + "[0].from",
           fmt::format("the first period must start by time.start ({})", s.time.start.str()));
    for (size_t i = 0; i < schedule.periods.size(); ++i) {
      const auto& period = schedule.periods[i];
      const std::string item = fmt::format("{}[{}]", path, i);
      if (i > 0 && !(schedule.periods[i - 1].from < period.from))
        fail(item + ".from", "periods must be in increasing date order");
      if (period.contract_years.empty())
        fail(item + ".contract_years", "needs at least one length");
      double sum = 0;
      std::set<int> lengths;
      for (const auto& length : period.contract_years) {
        sum += length.share;
        if (!lengths.insert(length.years).second)
          fail(item + ".contract_years", fmt::format("{} years appears twice", length.years));
      }
      if (std::abs(sum - 1.0) > kShareSumTolerance)
        fail(item + ".contract_years", fmt::format("shares must sum to 1, got {}", sum));
      check_shares(period.route_shares, item + ".route_shares", fail);
    }
  }
}

void check_programmes(const Scenario& s, const CheckFailure& fail) {
  const auto& p = s.programmes;
  check_names(p.pathfinder.org_types, s.population.org_types, "programmes.pathfinder.org_types",
              fail);
  check_names(p.large_trust_conversion.org_types, s.population.org_types,
              "programmes.large_trust_conversion.org_types", fail);
  for (const auto& sector : p.reserved_contracts.sectors)
    require_known(s.population.sectors, sector, "programmes.reserved_contracts.sectors", "sector",
                  fail);
  const ReservedContracts& r = p.reserved_contracts;
  if (r.rules != "article77" && r.rules != "permanent_share")
    fail("programmes.reserved_contracts.rules",
         fmt::format("'{}' is not article77 or permanent_share", r.rules));
  if (r.rules == "article77" && r.max_years > 3)
    fail("programmes.reserved_contracts.max_years",
         fmt::format("Article 77 reserves contracts for at most 3 years, got {}", r.max_years));
  for (const auto& sector : r.deferred_sectors)
    require_known(s.population.sectors, sector, "programmes.reserved_contracts.deferred_sectors",
                  "sector", fail);
  if (!r.deferred_sectors.empty() && !r.deferred_start)
    fail("programmes.reserved_contracts.deferred_start", "required when deferred_sectors is set");
  if (p.support_fund.end && *p.support_fund.end < p.support_fund.start)
    fail("programmes.support_fund.end", "is before start");
}

double weight_sum(const FormWeights& w) {
  return w.employee_owned_company + w.community_interest_company + w.charity_social_enterprise +
         w.partnership + w.joint_venture + w.governance_mutual;
}

double weight_product_sum(const FormWeights& a, const FormWeights& b) {
  return a.employee_owned_company * b.employee_owned_company +
         a.community_interest_company * b.community_interest_company +
         a.charity_social_enterprise * b.charity_social_enterprise + a.partnership * b.partnership +
         a.joint_venture * b.joint_venture + a.governance_mutual * b.governance_mutual;
}

FormWeights weight_product(const FormWeights& a, const FormWeights& b) {
  return {a.employee_owned_company * b.employee_owned_company,
          a.community_interest_company * b.community_interest_company,
          a.charity_social_enterprise * b.charity_social_enterprise,
          a.partnership * b.partnership,
          a.joint_venture * b.joint_venture,
          a.governance_mutual * b.governance_mutual};
}

/// Every proposal must be able to take a form: for each route and each type
/// it admits, the product of their weights (and, for large proposals, the
/// size weights) must leave some form with weight.
void check_forms(const Scenario& s, const CheckFailure& fail) {
  if (s.target.reading != "strict" && s.target.reading != "broad")
    fail("target.reading", fmt::format("must be strict or broad, got '{}'", s.target.reading));
  if (weight_sum(s.forms.large_proposal_weights) <= 0)
    fail("forms.large_proposal_weights", "needs a positive weight for at least one form");
  for (const auto& [route_name, route] : s.routes) {
    for (const auto& type_name : route.org_types) {
      const OrgType* type = find_named(s.population.org_types, type_name);
      if (!type) continue;  // reported by check_routes
      const FormWeights both = weight_product(route.form_weights, type->form_weights);
      if (weight_sum(both) <= 0 || weight_product_sum(both, s.forms.large_proposal_weights) <= 0)
        fail("routes." + route_name + ".form_weights",
             fmt::format("times population.org_types.{}.form_weights (and "
                         "forms.large_proposal_weights) leaves no form with weight",
                         type_name));
    }
  }
}

void check_employment(const Scenario& s, const CheckFailure& fail) {
  const auto& points = s.employment.public_sector;
  if (points.empty()) fail("employment.public_sector", "needs at least one observation");
  for (size_t i = 1; i < points.size(); ++i)
    if (!(points[i - 1].date < points[i].date))
      fail(fmt::format("employment.public_sector[{}].date", i),
           "dates must be strictly increasing");
  for (size_t i = 0; i < points.size(); ++i)
    if (points[i].value <= 0)
      fail(fmt::format("employment.public_sector[{}].value", i), "must be positive");
}

}  // namespace

void check_scenario(const Scenario& s, const CheckFailure& fail) {
  if (s.time.end < s.time.start)
    fail("time.end",
         fmt::format("{} is before time.start {}", s.time.end.str(), s.time.start.str()));
  check_population(s, fail);
  check_routes(s, fail);
  check_commissioning(s, fail);
  check_programmes(s, fail);
  check_initial_mutuals(s, fail);
  check_forms(s, fail);
  check_employment(s, fail);
}

}  // namespace mutsim
