#pragma once
// Everything one replicate changes as it runs. Staff are structure-of-arrays
// (20 bytes per agent); services, organisations, proposals and mutuals are
// small tables the month phases update.
#include <cstdint>
#include <string>
#include <vector>

#include "sim/config/scenario.hpp"
#include "sim/model/forms.hpp"
#include "sim/model/population.hpp"
#include "sim/model/scenario_index.hpp"
#include "sim/model/service_lines.hpp"

namespace mutsim {

/// Per-agent state, indexed by staff slot (sorted by service).
struct StaffArrays {
  std::vector<float> attitude;  // to spinning out, in [-1, 1]
  std::vector<float> engagement;
  std::vector<float> risk_aversion;
  std::vector<float> entrepreneurial;
  std::vector<float> pension_concern;

  size_t size() const { return attitude.size(); }
  static constexpr size_t kBytesPerAgent = 5 * sizeof(float);
};

/// Per-service sums the attitude step reduces, without atomics: each service
/// is summed by one task, in staff order.
struct ServiceAggregates {
  std::vector<double> attitude_sum;
  std::vector<uint32_t> supporters;
  std::vector<uint32_t> champions;
};

enum class Procurement : uint8_t { DirectAward, AnyQualifiedProvider, CompetitiveTender, Reserved };
inline constexpr const char* kProcurementNames[] = {"direct_award", "any_qualified_provider",
                                                    "competitive_tender", "reserved"};

enum class ServiceStatus : uint8_t { Public, InProposal, InMutual };
enum class Stage : uint8_t { Exploring, InProgress, SpunOut, Abandoned };
inline bool is_open(Stage stage) { return stage == Stage::Exploring || stage == Stage::InProgress; }

struct Proposal {
  uint32_t route;
  uint32_t org;
  uint32_t first_service;
  uint32_t end_service;
  uint64_t staff;  // agents
  Stage stage;
  int32_t stage_since;  // month index
  bool whole_organisation;
  bool funded;
  bool pathfinder;
  Form form;              // chosen on entry (sim/model/forms)
  bool large_conversion;  // a board-led conversion of a large trust (the lever)
};

inline constexpr int32_t kNeverReserved = INT32_MIN / 2;

struct Mutual {
  uint32_t route;
  uint32_t org;
  uint32_t first_service;
  uint32_t end_service;
  uint64_t staff;  // agents
  int32_t founded;
  int32_t contract_end;  // month index at which the contract is re-procured
  Procurement procurement;
  bool nhs;
  bool whole_organisation;
  bool active;
  Form form;  // its proposal's
  // Month of its last reserved award (Article 77's three-year bar), or never.
  int32_t last_reserved_award = kNeverReserved;
};

enum class EventKind : uint8_t {
  Proposal,
  InProgress,
  Spinout,
  Abandoned,
  Failure,
  ContractRetained,
  ContractLost,
  Growth,
  PathfinderChosen,  // the organisation was chosen for the Pathfinder (its proposal follows)
  AqpVolumeLoss      // an accredited incumbent lost volume at an AQP re-procurement
};
inline constexpr const char* kEventKindNames[] = {
    "proposal",          "in_progress",   "spinout", "abandoned",         "failure",
    "contract_retained", "contract_lost", "growth",  "pathfinder_chosen", "aqp_volume_loss"};

struct Event {
  uint32_t replicate;
  int32_t month;
  EventKind kind;
  uint32_t route;
  uint32_t organisation;
  uint32_t service;
  double staff;   // people in the units concerned (a kept organisation is complete)
  double weight;  // real-world events this row stands for (its organisation's weight)
  bool whole_organisation;
  uint8_t form;          // a Form, or kNoForm
  int16_t service_line;  // of the unit `service`; kNoServiceLine for a whole organisation
};

/// Remembered contract outcomes of mutuals, decaying with memory_months.
struct RetentionEvidence {
  double retained = 0;
  double lost = 0;  // failures count failure_weight times
};

/// What staff and proposals face this month, per organisation type.
struct Climate {
  std::vector<float> contract_security;        // [0, 1]
  std::vector<float> procurement_uncertainty;  // [0, 1]
  std::vector<int> open_route;                 // first open route for the type, or -1
  std::vector<int> whole_organisation_route;   // first open whole-organisation route, or -1
  float information = 0;
  float wait_and_see_signal = 0;       // [-1, 1]
  float wait_and_see_uncertainty = 1;  // [0, 1]
  bool fund_active = false;
  bool reserved_active = false;
  // Per (organisation type, service line): slot type * line_slots + line + 1,
  // slot 0 of a type for units on no line and whole organisations.
  int line_slots = 1;
  std::vector<float> line_contract_security;
  std::vector<float> line_procurement_uncertainty;
  std::vector<int> commissioning_period;      // per sector: period in force
  std::vector<float> transition_uncertainty;  // per sector, [0, 1]
  size_t slot(uint32_t type, int16_t line) const {
    return static_cast<size_t>(type) * static_cast<size_t>(line_slots) +
           static_cast<size_t>(line + 1);
  }
};

/// Monthly and cumulative tallies the recorder reads, in real-world units:
/// every event adds its organisation's sampling weight (1 at scale 1).
struct Tallies {
  std::vector<double> proposals_by_route;
  std::vector<double> spinouts_by_route;
  std::vector<double> whole_spinouts_by_route;  // whole-organisation spin-outs
  std::vector<double> abandoned_by_route;
  double failures = 0;
  double retendered_this_month = 0;
  double lost_this_month = 0;
  double fund_spent_gbp = 0;
  std::vector<double> proposals_by_line;  // issue 13 item 5, per service line
  std::vector<double> spinouts_by_line;
  std::vector<double> abandoned_by_line;
  double aqp_volume_losses = 0;
  double reserved_awards = 0;
  double reserved_barred = 0;  // eligible awards Article 77's repeat bar kept open
};

/// Engagement of staff (issue 13 item 2, sim/model/engagement): per-unit
/// sums kept current by update_engagement, and the signals staff read.
struct EngagementState {
  std::vector<double> service_sum;  // engagement of each unit's staff, summed in staff order
  std::vector<float> org_gap;       // mean of an organisation's mutual staff minus the baseline
  float national_gap = 0;           // weighted mean inside mutuals minus outside
};

struct ReplicateState {
  ReplicateState(const Scenario& scenario, const ScenarioIndex& index,
                 const PopulationStructure& population, uint64_t seed, uint32_t replicate);

  const Scenario& scenario;
  const ScenarioIndex& index;
  const PopulationStructure& population;
  uint64_t seed;
  uint32_t replicate;

  StaffArrays staff;
  std::vector<float> service_culture;
  ServiceAggregates aggregates;
  std::vector<ServiceStatus> service_status;
  std::vector<int32_t> service_owner;   // proposal or mutual index, -1 when public
  std::vector<int32_t> cooldown_until;  // month index before which a unit cannot propose
  std::vector<uint32_t> org_type;       // changes on divestment
  std::vector<double> org_attitude_mean;
  std::vector<double> org_support_share;
  std::vector<uint8_t> org_whole_busy;  // in a whole-organisation proposal or mutual
  std::vector<uint8_t> org_pathfinder;  // chosen for the Pathfinder

  std::vector<Proposal> proposals;
  std::vector<Mutual> mutuals;
  RetentionEvidence evidence;
  Climate climate;
  Tallies tallies;
  std::vector<Event> events;
  EngagementState engagement;

  double service_support_share(uint32_t s) const;
  double service_mean_attitude(uint32_t s) const;
  bool is_nhs(uint32_t org) const;
  /// The service line of a contract or proposal: its unit's, or
  /// kNoServiceLine for a whole organisation (a block contract).
  int16_t contract_line(bool whole_organisation, uint32_t first_service) const {
    return whole_organisation ? kNoServiceLine : population.service_line[first_service];
  }
  Month date(int32_t month) const { return scenario.time.start + month; }
  /// Real-world organisations (or units, events, people per agent) one of
  /// this organisation's stands for: its inverse inclusion probability.
  double weight(uint32_t org) const { return population.weight(org); }
  void add_event(int32_t month, EventKind kind, uint32_t route, uint32_t org, uint32_t service,
                 uint64_t agents, bool whole_organisation, uint8_t form = kNoForm);
};

}  // namespace mutsim
