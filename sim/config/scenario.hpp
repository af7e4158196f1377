#pragma once
// The validated, typed scenario. Every parameter is declared exactly once, in
// the describe() function of the record that holds it; see spec.hpp.
// Defaults here are the model's documented assumptions; scenarios/baseline.yaml
// restates them with their sources.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/config/spec.hpp"
#include "sim/util/month.hpp"

namespace mutsim {

// ---------------------------------------------------------------- time, run
struct TimeSpan {
  Month start;
  Month end;
};
template <class V>
void describe(V& v, TimeSpan& p) {
  v.date(p.start, {.key = "start", .meaning = "first simulated month (YYYY-MM)"});
  v.date(p.end, {.key = "end", .meaning = "last simulated month, inclusive (YYYY-MM)"});
}

/// Largest master seed: 2^53 - 1, so a seed is exact when YAML reads it as
/// a double. --seed options, sweep seeds and derived seeds stay within it.
inline constexpr uint64_t kMaxSeed = (uint64_t{1} << 53) - 1;

struct RunSettings {
  int64_t seed;
  int replicates;
};
template <class V>
void describe(V& v, RunSettings& p) {
  v.num(p.seed, {.key = "seed",
                 .def = 20100101,
                 .lo = 0,
                 .hi = static_cast<double>(kMaxSeed),
                 .meaning = "master seed of all random streams; --seed overrides",
                 .source = "run setting"});
  v.num(p.replicates, {.key = "replicates",
                       .def = 10,
                       .lo = 1,
                       .hi = 100000,
                       .unit = "runs",
                       .meaning = "stochastic replicates; --replicates overrides",
                       .source = "run setting"});
}

// ---------------------------------------------------------------- forms of mutuals
// Issue 13 item 1. The government's definition of a mutual "includes
// charities, social enterprises, community interest companies, partnerships,
// and joint ventures", and employee control may be ownership or "enhanced
// governance arrangements, including employee councils and elected board
// members" (pathfinder seed). The six forms are fixed (sim/model/forms.hpp);
// their terms and the weights that choose among them come from the scenario.

/// The forms of mutuals, in the order of sim/model/forms.hpp's Form.
inline constexpr std::array<const char*, 6> kMutualFormKeys = {"employee_owned_company",
                                                               "community_interest_company",
                                                               "charity_social_enterprise",
                                                               "partnership",
                                                               "joint_venture",
                                                               "governance_mutual"};

/// A weight per form; a proposal's choice multiplies its route's, its
/// organisation type's and (when large) the size weights, then normalises.
struct FormWeights {
  double employee_owned_company;
  double community_interest_company;
  double charity_social_enterprise;
  double partnership;
  double joint_venture;
  double governance_mutual;
};
template <class V>
void describe(V& v, FormWeights& p) {
  v.num(p.employee_owned_company, {.key = "employee_owned_company",
                                   .def = 1,
                                   .lo = 0,
                                   .hi = 1e6,
                                   .unit = "weight",
                                   .meaning = "employee-owned company"});
  v.num(p.community_interest_company, {.key = "community_interest_company",
                                       .def = 1,
                                       .lo = 0,
                                       .hi = 1e6,
                                       .unit = "weight",
                                       .meaning = "community interest company"});
  v.num(p.charity_social_enterprise, {.key = "charity_social_enterprise",
                                      .def = 1,
                                      .lo = 0,
                                      .hi = 1e6,
                                      .unit = "weight",
                                      .meaning = "charity or social enterprise"});
  v.num(p.partnership, {.key = "partnership",
                        .def = 1,
                        .lo = 0,
                        .hi = 1e6,
                        .unit = "weight",
                        .meaning = "partnership"});
  v.num(p.joint_venture, {.key = "joint_venture",
                          .def = 1,
                          .lo = 0,
                          .hi = 1e6,
                          .unit = "weight",
                          .meaning = "joint venture with a private or third-sector partner"});
  v.num(p.governance_mutual, {.key = "governance_mutual",
                              .def = 0,
                              .lo = 0,
                              .hi = 1e6,
                              .unit = "weight",
                              .meaning = "governance mutual (stays a public body)"});
}

/// What one form changes. Defaults are neutral: a form that sets nothing
/// behaves as a spin-out did before forms existed.
struct FormTerms {
  bool leaves_payroll;
  bool counts_strict;
  bool counts_broad;
  double tender_capital_shortfall_prob;
  double retention_multiplier;
  double failure_multiplier;
  double board_consent_multiplier;
  double support_shift;
};
template <class V>
void describe(V& v, FormTerms& p) {
  v.flag(p.leaves_payroll, {.key = "leaves_payroll",
                            .def = 1.0,
                            .meaning = "its staff leave the public-sector payroll (false: the "
                                       "organisation stays a public body)"});
  v.flag(p.counts_strict, {.key = "counts_strict",
                           .def = 1.0,
                           .meaning = "counts under the strict reading of the target (staff-led "
                                      "organisations outside the public body)"});
  v.flag(p.counts_broad, {.key = "counts_broad",
                          .def = 1.0,
                          .meaning = "counts under the government's broad reading"});
  v.num(p.tender_capital_shortfall_prob,
        {.key = "tender_capital_shortfall_prob",
         .def = 0,
         .lo = 0,
         .hi = 1,
         .unit = "probability",
         .meaning = "chance the mutual cannot meet a competitive tender's capital or bond "
                    "requirement and loses the re-procurement outright"});
  v.num(p.retention_multiplier, {.key = "retention_multiplier",
                                 .def = 1,
                                 .lo = 0,
                                 .hi = 10,
                                 .unit = "factor",
                                 .meaning = "multiplies the chance of keeping a re-procured "
                                            "contract (capped at 1)"});
  v.num(p.failure_multiplier, {.key = "failure_multiplier",
                               .def = 1,
                               .lo = 0,
                               .hi = 100,
                               .unit = "factor",
                               .meaning = "multiplies the background failure hazard and the "
                                          "chance of failing after a lost contract (capped at 1)"});
  v.num(p.board_consent_multiplier, {.key = "board_consent_multiplier",
                                     .def = 1,
                                     .lo = 0,
                                     .hi = 100,
                                     .unit = "factor",
                                     .meaning = "multiplies the board's consent probability "
                                                "(capped at 1)"});
  v.num(p.support_shift, {.key = "support_shift",
                          .def = 0,
                          .lo = -1,
                          .hi = 1,
                          .unit = "fraction",
                          .meaning = "added to the staff support share a proposal of this form "
                                     "counts in its viability (staff attitudes to the form)"});
}

struct MutualForms {
  FormTerms employee_owned_company;
  FormTerms community_interest_company;
  FormTerms charity_social_enterprise;
  FormTerms partnership;
  FormTerms joint_venture;
  FormTerms governance_mutual;
  double large_proposal_staff;
  FormWeights large_proposal_weights;
};
template <class V>
void describe(V& v, MutualForms& p) {
  v.record(p.employee_owned_company, "employee_owned_company", "employee-owned company");
  v.record(p.community_interest_company, "community_interest_company",
           "community interest company");
  v.record(p.charity_social_enterprise, "charity_social_enterprise",
           "charity or social enterprise");
  v.record(p.partnership, "partnership", "partnership");
  v.record(p.joint_venture, "joint_venture",
           "joint venture with a private or third-sector partner");
  v.record(p.governance_mutual, "governance_mutual",
           "governance mutual: stays a public body, with an employee council and elected board "
           "members");
  v.num(p.large_proposal_staff, {.key = "large_proposal_staff",
                                 .def = 1e9,
                                 .lo = 1,
                                 .hi = 1e9,
                                 .unit = "people",
                                 .meaning = "proposals at least this large also weight forms by "
                                            "large_proposal_weights"});
  v.record(p.large_proposal_weights, "large_proposal_weights",
           "form weights multiplied in for large proposals");
}

// ---------------------------------------------------------------- population
struct Sector {
  std::string label;
  bool nhs;
};
template <class V>
void describe(V& v, Sector& p) {
  v.text(p.label, {.key = "label", .def = "", .meaning = "human-readable name"});
  v.flag(p.nhs, {.key = "nhs",
                 .def = 0.0,
                 .meaning = "organisations of this sector count as NHS (mutuals_active_nhs)"});
}

/// Issue 13 item 4: the share of a divesting type's organisations that a
/// successor type takes over (HSJ, late 2010, for PCT provider arms).
struct SuccessorShare {
  double share;
};
template <class V>
void describe(V& v, SuccessorShare& p) {
  v.num(p.share, {.key = "share",
                  .lo = 0,
                  .hi = 1,
                  .unit = "fraction",
                  .meaning = "share of the divesting type's organisations that become this type "
                             "(the shares sum to 1)"});
}

struct OrgType {
  std::string sector;
  int count;
  double staff_total;
  double size_sigma;
  double service_median;
  double service_sigma;
  int service_min;
  int service_max;
  double oversample;
  double board_consent;
  std::optional<Month> divest_date;
  std::string divest_to;
  FormWeights form_weights;
  std::vector<Named<SuccessorShare>> divest_shares;
};
/// Divestment: when the type ceases and what its organisations become.
template <class V>
void describe_divestment(V& v, OrgType& p) {
  v.date(p.divest_date, {.key = "divest_date",
                         .meaning = "month the type ceases (PCT provider arms, Apr 2011): "
                                    "its public services pass to divest_to"});
  v.text(p.divest_to, {.key = "divest_to",
                       .def = "",
                       .meaning = "organisation type that takes over after divest_date"});
  v.optional_table(p.divest_shares, "divest_shares",
                   "issue 13 item 4: successor types and the share of organisations each takes "
                   "at divest_date (absent: every organisation becomes divest_to)");
}

/// How a sample at population.scale < 1 takes this type (issue 12).
template <class V>
void describe_sampling(V& v, OrgType& p) {
  v.num(p.oversample,
        {.key = "oversample",
         .def = 1,
         .lo = 1,
         .hi = 1000,
         .unit = "factor",
         .meaning = "at population.scale < 1 this type's organisations are sampled with "
                    "probability min(1, scale x oversample) (weights stay N_t / n_t, so "
                    "estimates stay unbiased): more of the types where rare events happen",
         .source = "run setting"});
}

template <class V>
void describe(V& v, OrgType& p) {
  v.text(p.sector, {.key = "sector", .meaning = "key of the sector this type belongs to"});
  v.num(p.count, {.key = "count",
                  .lo = 1,
                  .hi = 100000,
                  .unit = "organisations",
                  .meaning = "organisations of this type at scale 1"});
  v.num(p.staff_total, {.key = "staff_total",
                        .lo = 1,
                        .hi = 1e8,
                        .unit = "people",
                        .meaning = "headcount over all organisations of this type in 2010"});
  v.num(p.size_sigma, {.key = "size_sigma",
                       .def = 0.5,
                       .lo = 0,
                       .hi = 3,
                       .unit = "log-sd",
                       .meaning = "log-normal spread of organisation sizes (sizes are "
                                  "rescaled to sum to staff_total)"});
  v.num(p.service_median, {.key = "service_median",
                           .def = 40,
                           .lo = 1,
                           .hi = 1e6,
                           .unit = "people",
                           .meaning = "median service-unit size"});
  v.num(p.service_sigma, {.key = "service_sigma",
                          .def = 1.0,
                          .lo = 0,
                          .hi = 3,
                          .unit = "log-sd",
                          .meaning = "log-normal spread of service sizes"});
  v.num(p.service_min, {.key = "service_min",
                        .def = 3,
                        .lo = 1,
                        .hi = 1e6,
                        .unit = "people",
                        .meaning = "smallest service unit"});
  v.num(p.service_max, {.key = "service_max",
                        .def = 3000,
                        .lo = 1,
                        .hi = 1e7,
                        .unit = "people",
                        .meaning = "largest service unit"});
  v.num(p.board_consent, {.key = "board_consent",
                          .def = 0.5,
                          .lo = 0,
                          .hi = 1,
                          .unit = "probability",
                          .meaning = "chance the board consents to a proposal's business case"});
  v.record(p.form_weights, "form_weights",
           "weights of the forms its proposals choose (multiplied by the route's)");
  describe_divestment(v, p);
  describe_sampling(v, p);
}

struct BetaDist {
  double alpha;
  double beta;
};
template <class V>
void describe(V& v, BetaDist& p) {
  v.num(p.alpha, {.key = "alpha", .def = 2, .lo = 0.01, .hi = 1000, .meaning = "Beta shape a"});
  v.num(p.beta, {.key = "beta", .def = 2, .lo = 0.01, .hi = 1000, .meaning = "Beta shape b"});
}

/// Issue 13 item 5: what a service unit does. Each unit draws one line at
/// population build from the shares its organisation type has here.
struct OrgTypeShare {
  std::string org_type;
  double share;
};
template <class V>
void describe(V& v, OrgTypeShare& p) {
  v.text(p.org_type, {.key = "org_type",
                      .meaning = "organisation type whose units can be on "
                                 "this line"});
  v.num(p.share, {.key = "share",
                  .lo = 0,
                  .hi = 1,
                  .unit = "fraction",
                  .meaning = "share of that type's service units on this line (each type's "
                             "shares over all lines sum to 1)"});
}

struct ServiceLine {
  std::string label;
  double aqp_share;
  bool reservable;
  std::vector<OrgTypeShare> org_types;
};
template <class V>
void describe(V& v, ServiceLine& p) {
  v.text(p.label, {.key = "label", .def = "", .meaning = "human-readable name"});
  v.num(p.aqp_share,
        {.key = "aqp_share",
         .def = 0,
         .lo = 0,
         .hi = 1,
         .unit = "fraction",
         .meaning = "share of commissioners who opened this line to Any Qualified Provider "
                    "(used when commissioning.any_qualified_provider.by_service_line)"});
  v.flag(p.reservable, {.key = "reservable",
                        .def = 0.0,
                        .meaning = "a health, social or cultural service that Article 77 "
                                   "(PCR 2015 reg. 77) lets an authority reserve for mutuals"});
  v.list(p.org_types, "org_types", "organisation types with units on this line, and shares");
}

struct Population {
  double scale;
  std::vector<Named<Sector>> sectors;
  std::vector<Named<OrgType>> org_types;
  std::vector<Named<ServiceLine>> service_lines;
};
template <class V>
void describe(V& v, Population& p) {
  v.num(p.scale, {.key = "scale",
                  .def = 1.0,
                  .lo = 0,
                  .hi = 1,
                  .lo_open = true,
                  .unit = "fraction",
                  .meaning = "share of each type's organisations sampled, whole (times the type's "
                             "oversample); every count is weighted back to real-world units",
                  .source = "run setting"});
  v.table(p.sectors, "sectors", "public-sector employers grouped by sector");
  v.table(p.org_types, "org_types", "organisation types with counts and size distributions");
  v.optional_table(p.service_lines, "service_lines",
                   "service lines and their shares of each type's units (absent: units have "
                   "no line)");
}

struct StaffTraits {
  BetaDist engagement;
  BetaDist risk_aversion;
  BetaDist entrepreneurial;
  BetaDist pension_concern;
};
template <class V>
void describe(V& v, StaffTraits& p) {
  v.record(p.engagement, "engagement", "trait in [0,1]: weight on peers and information");
  v.record(p.risk_aversion, "risk_aversion",
           "trait in [0,1]: weight on contract and procurement insecurity");
  v.record(p.entrepreneurial, "entrepreneurial",
           "trait in [0,1]: pull towards spinning out; champions come from the top");
  v.record(p.pension_concern, "pension_concern", "trait in [0,1]: concern for pensions and terms");
}

// ---------------------------------------------------------------- attitudes
struct AttitudeParams {
  double baseline;
  double entrepreneurial_weight;
  double pension_weight;
  double contract_insecurity_weight;
  double procurement_weight;
  double wait_and_see_outcome_weight;
  double wait_and_see_uncertainty_weight;
  double information_weight;
  double service_culture_sd;
  double adjustment_rate;
  double peer_weight;
  double organisation_peer_share;
  double noise_sd;
  double support_threshold;
  double contract_reference_years;
};
template <class V>
void describe_attitude_target(V& v, AttitudeParams& p) {
  v.num(p.baseline, {.key = "baseline",
                     .def = 0.1,
                     .lo = -1,
                     .hi = 1,
                     .unit = "attitude",
                     .meaning = "intercept of each agent's target attitude"});
  v.num(p.entrepreneurial_weight,
        {.key = "entrepreneurial_weight",
         .def = 0.6,
         .lo = 0,
         .hi = 5,
         .unit = "attitude",
         .meaning = "target attitude gained per unit of entrepreneurial propensity"});
  v.num(p.pension_weight, {.key = "pension_weight",
                           .def = 0.4,
                           .lo = 0,
                           .hi = 5,
                           .unit = "attitude",
                           .meaning = "target attitude lost per unit of pension concern"});
  v.num(p.contract_insecurity_weight,
        {.key = "contract_insecurity_weight",
         .def = 0.5,
         .lo = 0,
         .hi = 5,
         .unit = "attitude",
         .meaning = "loss per unit of risk aversion x (1 - contract security)"});
  v.num(p.procurement_weight,
        {.key = "procurement_weight",
         .def = 0.3,
         .lo = 0,
         .hi = 5,
         .unit = "attitude",
         .meaning = "loss per unit of risk aversion x procurement uncertainty"});
  v.num(p.wait_and_see_outcome_weight,
        {.key = "wait_and_see_outcome_weight",
         .def = 0.3,
         .lo = 0,
         .hi = 5,
         .unit = "attitude",
         .meaning = "gain per unit of the observed retention signal in [-1, 1]"});
  v.num(p.wait_and_see_uncertainty_weight,
        {.key = "wait_and_see_uncertainty_weight",
         .def = 0.3,
         .lo = 0,
         .hi = 5,
         .unit = "attitude",
         .meaning = "loss per unit of risk aversion x lack of retention evidence"});
  v.num(p.information_weight,
        {.key = "information_weight",
         .def = 0.15,
         .lo = 0,
         .hi = 5,
         .unit = "attitude",
         .meaning = "gain per unit of engagement x information and support level"});
}

template <class V>
void describe_attitude_dynamics(V& v, AttitudeParams& p) {
  v.num(p.service_culture_sd,
        {.key = "service_culture_sd",
         .def = 0.25,
         .lo = 0,
         .hi = 2,
         .unit = "attitude",
         .meaning = "sd of a fixed per-service offset to targets (local culture)"});
  v.num(p.adjustment_rate, {.key = "adjustment_rate",
                            .def = 0.1,
                            .lo = 0,
                            .hi = 1,
                            .unit = "1/month",
                            .meaning = "share of the gap to the target attitude closed monthly"});
  v.num(p.peer_weight, {.key = "peer_weight",
                        .def = 0.1,
                        .lo = 0,
                        .hi = 1,
                        .unit = "1/month",
                        .meaning = "pull towards colleagues' mean, per unit of engagement"});
  v.num(p.organisation_peer_share,
        {.key = "organisation_peer_share",
         .def = 0.2,
         .lo = 0,
         .hi = 1,
         .unit = "fraction",
         .meaning = "weight of the whole organisation's mean in the peer mean"});
  v.num(p.noise_sd, {.key = "noise_sd",
                     .def = 0.1,
                     .lo = 0,
                     .hi = 1,
                     .unit = "attitude",
                     .meaning = "sd of the monthly Gaussian attitude shock; initial attitudes "
                                "start at the shocks' stationary spread around their targets"});
  v.num(p.support_threshold,
        {.key = "support_threshold",
         .def = 0.0,
         .lo = -1,
         .hi = 1,
         .unit = "attitude",
         .meaning = "attitude above which a member of staff supports spinning out"});
  v.num(p.contract_reference_years,
        {.key = "contract_reference_years",
         .def = 5,
         .lo = 0.1,
         .hi = 50,
         .unit = "years",
         .meaning = "contract length regarded as fully secure (security = years / this, "
                    "capped at 1)"});
}

// In parts only for length; the order of the calls is the parameter table's.
template <class V>
void describe(V& v, AttitudeParams& p) {
  describe_attitude_target(v, p);
  describe_attitude_dynamics(v, p);
}

struct WaitAndSeeParams {
  double prior_evidence;
  double memory_months;
  double failure_weight;
};
template <class V>
void describe(V& v, WaitAndSeeParams& p) {
  v.num(p.prior_evidence, {.key = "prior_evidence",
                           .def = 10,
                           .lo = 0,
                           .hi = 1e6,
                           .unit = "outcomes",
                           .meaning = "pseudo-count of outcomes staff want before trusting the "
                                      "record (uncertainty = prior / (prior + evidence))"});
  v.num(p.memory_months, {.key = "memory_months",
                          .def = 36,
                          .lo = 1,
                          .hi = 1200,
                          .unit = "months",
                          .meaning = "e-folding time of remembered outcomes"});
  v.num(p.failure_weight, {.key = "failure_weight",
                           .def = 2,
                           .lo = 0,
                           .hi = 100,
                           .unit = "outcomes",
                           .meaning = "a mutual failure counts as this many lost contracts"});
}

// ---------------------------------------------------------------- pipeline
struct PipelineParams {
  double quorum;
  double whole_organisation_quorum;
  double champion_entrepreneurial;
  double champion_attitude;
  double entry_logit;
  double whole_organisation_entry_logit;
  double entry_support_coef;
  double progress_logit;
  double spinout_logit;
  double abandon_logit;
  double coef_contract;
  double coef_procurement;
  double coef_fund;
  double coef_information;
  double coef_size;
  double coef_support;
  double abandon_viability_coef;
  double size_reference_staff;
  int min_months_exploring;
  int min_months_in_progress;
  int cooldown_months;
  double forced_separation_consent;
};
template <class V>
void describe_pipeline_entry(V& v, PipelineParams& p) {
  v.num(p.quorum, {.key = "quorum",
                   .def = 0.3,
                   .lo = 0,
                   .hi = 1,
                   .unit = "fraction",
                   .meaning = "share of supportive staff a unit needs before it can propose"});
  v.num(p.whole_organisation_quorum,
        {.key = "whole_organisation_quorum",
         .def = 0.15,
         .lo = 0,
         .hi = 1,
         .unit = "fraction",
         .meaning = "share of supportive staff a whole organisation needs (board-led "
                    "proposals need a smaller active minority)"});
  v.num(p.champion_entrepreneurial, {.key = "champion_entrepreneurial",
                                     .def = 0.8,
                                     .lo = 0,
                                     .hi = 1,
                                     .unit = "trait",
                                     .meaning = "entrepreneurial propensity a champion needs"});
  v.num(p.champion_attitude, {.key = "champion_attitude",
                              .def = 0.3,
                              .lo = -1,
                              .hi = 1,
                              .unit = "attitude",
                              .meaning = "attitude a champion needs"});
  v.num(p.entry_logit, {.key = "entry_logit",
                        .def = -6.7,
                        .lo = -30,
                        .hi = 30,
                        .unit = "logit",
                        .meaning = "monthly log-odds that an eligible unit enters exploring"});
  v.num(p.whole_organisation_entry_logit,
        {.key = "whole_organisation_entry_logit",
         .def = -4.5,
         .lo = -30,
         .hi = 30,
         .unit = "logit",
         .meaning = "monthly log-odds that an organisation whose route allows it proposes "
                    "as a whole"});
  v.num(p.entry_support_coef, {.key = "entry_support_coef",
                               .def = 4,
                               .lo = 0,
                               .hi = 100,
                               .unit = "logit",
                               .meaning = "entry log-odds per unit of support above the quorum"});
  v.num(p.progress_logit, {.key = "progress_logit",
                           .def = -4.5,
                           .lo = -30,
                           .hi = 30,
                           .unit = "logit",
                           .meaning = "monthly log-odds exploring -> in progress"});
}

template <class V>
void describe_pipeline_odds(V& v, PipelineParams& p) {
  v.num(p.spinout_logit, {.key = "spinout_logit",
                          .def = -3.3,
                          .lo = -30,
                          .hi = 30,
                          .unit = "logit",
                          .meaning = "monthly log-odds in progress -> spun out"});
  v.num(p.abandon_logit, {.key = "abandon_logit",
                          .def = -4.5,
                          .lo = -30,
                          .hi = 30,
                          .unit = "logit",
                          .meaning = "monthly log-odds a proposal is abandoned"});
  v.num(p.coef_contract, {.key = "coef_contract",
                          .def = 4.0,
                          .lo = -20,
                          .hi = 20,
                          .unit = "logit",
                          .meaning = "viability per unit of contract security"});
  v.num(p.coef_procurement, {.key = "coef_procurement",
                             .def = 1.0,
                             .lo = -20,
                             .hi = 20,
                             .unit = "logit",
                             .meaning = "viability lost per unit of procurement uncertainty"});
  v.num(p.coef_fund, {.key = "coef_fund",
                      .def = 0.7,
                      .lo = -20,
                      .hi = 20,
                      .unit = "logit",
                      .meaning = "viability gained by a proposal holding a grant"});
  v.num(p.coef_information, {.key = "coef_information",
                             .def = 0.3,
                             .lo = -20,
                             .hi = 20,
                             .unit = "logit",
                             .meaning = "viability per unit of information-service level"});
  v.num(p.coef_size, {.key = "coef_size",
                      .def = 0.25,
                      .lo = -20,
                      .hi = 20,
                      .unit = "logit",
                      .meaning = "viability lost per unit of log(staff / size_reference_staff)"});
  v.num(p.coef_support, {.key = "coef_support",
                         .def = 2,
                         .lo = -20,
                         .hi = 20,
                         .unit = "logit",
                         .meaning = "viability per unit of support above the quorum"});
  v.num(p.abandon_viability_coef, {.key = "abandon_viability_coef",
                                   .def = 1,
                                   .lo = 0,
                                   .hi = 20,
                                   .unit = "1",
                                   .meaning = "abandonment log-odds fall by this times viability"});
}

template <class V>
void describe_pipeline_limits(V& v, PipelineParams& p) {
  v.num(p.size_reference_staff, {.key = "size_reference_staff",
                                 .def = 50,
                                 .lo = 1,
                                 .hi = 1e6,
                                 .unit = "people",
                                 .meaning = "proposal size at which the size term is zero"});
  v.num(p.min_months_exploring, {.key = "min_months_exploring",
                                 .def = 2,
                                 .lo = 0,
                                 .hi = 120,
                                 .unit = "months",
                                 .meaning = "months a proposal explores before it can progress"});
  v.num(p.min_months_in_progress, {.key = "min_months_in_progress",
                                   .def = 4,
                                   .lo = 0,
                                   .hi = 120,
                                   .unit = "months",
                                   .meaning = "months a business case takes at least"});
  v.num(p.cooldown_months, {.key = "cooldown_months",
                            .def = 24,
                            .lo = 0,
                            .hi = 1200,
                            .unit = "months",
                            .meaning = "months after abandonment or failure before a unit can "
                                       "propose again"});
  v.num(p.forced_separation_consent,
        {.key = "forced_separation_consent",
         .def = 0.95,
         .lo = 0,
         .hi = 1,
         .unit = "probability",
         .meaning = "board consent where the route forces separation (TCS divestment)"});
}

// In parts only for length; the order of the calls is the parameter table's.
template <class V>
void describe(V& v, PipelineParams& p) {
  describe_pipeline_entry(v, p);
  describe_pipeline_odds(v, p);
  describe_pipeline_limits(v, p);
}

// ---------------------------------------------------------------- routes
struct ContractGuarantee {
  bool guaranteed;
  int min_years;
  int max_years;
};
template <class V>
void describe(V& v, ContractGuarantee& p) {
  v.flag(p.guaranteed, {.key = "guaranteed",
                        .def = 0.0,
                        .meaning = "spin-outs get a direct-award contract of min..max years "
                                   "instead of the commissioners' terms"});
  v.num(p.min_years, {.key = "min_years",
                      .def = 3,
                      .lo = 1,
                      .hi = 50,
                      .unit = "years",
                      .meaning = "shortest guaranteed contract"});
  v.num(p.max_years, {.key = "max_years",
                      .def = 5,
                      .lo = 1,
                      .hi = 50,
                      .unit = "years",
                      .meaning = "longest guaranteed contract"});
}

struct Route {
  std::string label;
  bool enabled;
  Month start;
  std::optional<Month> end;
  std::optional<Month> complete_by;
  std::optional<Month> wind_down_from;
  double wind_down_closure_prob;
  std::vector<std::string> org_types;
  double entry_logit_shift;
  bool whole_organisation;
  bool forced_separation;
  ContractGuarantee contract;
  FormWeights form_weights;
};
template <class V>
void describe(V& v, Route& p) {
  v.text(p.label, {.key = "label", .def = "", .meaning = "human-readable name"});
  v.flag(p.enabled, {.key = "enabled", .def = 1.0, .meaning = "switch the route on or off"});
  v.date(p.start, {.key = "start", .meaning = "first month proposals can enter"});
  v.date(p.end, {.key = "end", .meaning = "last month proposals can enter (absent: open)"});
  v.date(p.complete_by,
         {.key = "complete_by",
          .meaning = "proposals still open after this month are closed as abandoned (TCS: "
                     "the programme's end, 2011); absent: no deadline"});
  v.date(p.wind_down_from,
         {.key = "wind_down_from",
          .meaning = "after this month each open proposal on the route also closes with "
                     "probability wind_down_closure_prob a month (TCS: provider arms were to be "
                     "separated by Apr 2011); absent: no wind-down"});
  v.num(p.wind_down_closure_prob, {.key = "wind_down_closure_prob",
                                   .def = 0,
                                   .lo = 0,
                                   .hi = 1,
                                   .unit = "1/month",
                                   .meaning = "monthly closure chance of an open proposal after "
                                              "wind_down_from"});
  v.names(p.org_types, "org_types", "organisation types whose staff can use the route");
  v.num(p.entry_logit_shift, {.key = "entry_logit_shift",
                              .def = 0,
                              .lo = -30,
                              .hi = 30,
                              .unit = "logit",
                              .meaning = "added to the entry log-odds on this route"});
  v.flag(p.whole_organisation, {.key = "whole_organisation",
                                .def = 0.0,
                                .meaning = "whole organisations may propose (not only units)"});
  v.flag(p.forced_separation,
         {.key = "forced_separation",
          .def = 0.0,
          .meaning = "the organisation must divest anyway, so the board consents with "
                     "pipeline.forced_separation_consent"});
  v.record(p.contract, "contract", "contract guaranteed to spin-outs on this route");
  v.record(p.form_weights, "form_weights",
           "weights of the forms its proposals choose (multiplied by the type's)");
}

// ---------------------------------------------------------------- commissioning
/// A value per procurement route.
struct PerProcurement {
  double direct_award;
  double any_qualified_provider;
  double competitive_tender;
};
template <class V>
void describe(V& v, PerProcurement& p) {
  v.num(p.direct_award, {.key = "direct_award", .lo = 0, .hi = 1, .meaning = "direct award"});
  v.num(p.any_qualified_provider,
        {.key = "any_qualified_provider", .lo = 0, .hi = 1, .meaning = "Any Qualified Provider"});
  v.num(p.competitive_tender, {.key = "competitive_tender",
                               .lo = 0,
                               .hi = 1,
                               .meaning = "competitive tender under EU rules"});
}

struct ContractLengthShare {
  int years;
  double share;
};
template <class V>
void describe(V& v, ContractLengthShare& p) {
  v.num(
      p.years,
      {.key = "years", .lo = 1, .hi = 50, .unit = "years", .meaning = "contract length on offer"});
  v.num(p.share, {.key = "share",
                  .lo = 0,
                  .hi = 1,
                  .unit = "fraction",
                  .meaning = "share of awards with this length"});
}

struct CommissioningPeriod;
template <class V>
void describe_transition(V& v, CommissioningPeriod& p);

struct CommissioningPeriod {
  Month from;
  std::vector<ContractLengthShare> contract_years;
  PerProcurement route_shares;
  std::string label = "";
  double transition_uncertainty = 0;
  int transition_lead_months = 0;
  int transition_months = 0;
};
template <class V>
void describe(V& v, CommissioningPeriod& p) {
  v.date(p.from, {.key = "from", .meaning = "first month these terms apply"});
  v.list(p.contract_years, "contract_years", "distribution of contract lengths (shares sum to 1)");
  v.record(p.route_shares, "route_shares", "share of awards by procurement route (sum to 1)");
  describe_transition(v, p);
}

/// Issue 13 item 6: a period's own uncertainty around its start (the PCT ->
/// CCG transition of Apr 2013), added to procurement uncertainty.
template <class V>
void describe_transition(V& v, CommissioningPeriod& p) {
  v.text(p.label, {.key = "label", .def = "", .meaning = "name of the period (e.g. pct, ccg)"});
  v.num(p.transition_uncertainty,
        {.key = "transition_uncertainty",
         .def = 0,
         .lo = 0,
         .hi = 1,
         .unit = "uncertainty",
         .meaning = "procurement uncertainty added at the period's start (a new commissioner "
                    "whose use of the routes is unclear), rising over transition_lead_months "
                    "before and falling over transition_months after"});
  v.num(p.transition_lead_months, {.key = "transition_lead_months",
                                   .def = 0,
                                   .lo = 0,
                                   .hi = 120,
                                   .unit = "months",
                                   .meaning = "months before `from` over which the transition "
                                              "uncertainty rises linearly (announced change)"});
  v.num(p.transition_months, {.key = "transition_months",
                              .def = 0,
                              .lo = 0,
                              .hi = 600,
                              .unit = "months",
                              .meaning = "months after `from` over which it falls linearly to "
                                         "0 (0: it lasts while the period is in force)"});
}

struct CommissioningSchedule {
  std::vector<CommissioningPeriod> periods;
};
template <class V>
void describe(V& v, CommissioningSchedule& p) {
  v.list(p.periods, "periods", "terms in force from each date, in date order");
}

/// Issue 13 item 5: Any Qualified Provider by service line, and the
/// incumbent's volume risk under it.
struct AnyQualifiedProvider {
  std::optional<Month> start;
  bool by_service_line;
  bool incumbent_accredited;
  double volume_loss_prob;
  double failure_on_volume_loss_prob;
};
template <class V>
void describe(V& v, AnyQualifiedProvider& p) {
  v.date(p.start, {.key = "start",
                   .meaning = "first month of AQP awards (absent: whenever a period's "
                              "route_shares give AQP a share)"});
  v.flag(p.by_service_line,
         {.key = "by_service_line",
          .def = 0.0,
          .meaning = "AQP applies to a unit with its line's aqp_share in periods whose AQP share "
                     "is positive (false: the period's AQP share applies to every unit)"});
  v.flag(p.incumbent_accredited,
         {.key = "incumbent_accredited",
          .def = 0.0,
          .meaning = "an incumbent re-procured by AQP keeps its accreditation and faces a volume "
                     "risk (false: it keeps the contract with retention.any_qualified_provider)"});
  v.num(p.volume_loss_prob, {.key = "volume_loss_prob",
                             .def = 0.2,
                             .lo = 0,
                             .hi = 1,
                             .unit = "probability",
                             .meaning = "chance an accredited incumbent loses volume to other "
                                        "qualified providers at an AQP re-procurement"});
  v.num(p.failure_on_volume_loss_prob,
        {.key = "failure_on_volume_loss_prob",
         .def = 0.4,
         .lo = 0,
         .hi = 1,
         .unit = "probability",
         .meaning = "chance the revenue shortfall of a volume loss makes the mutual fail"});
}

struct Commissioning {
  std::vector<Named<CommissioningSchedule>> sectors;
  PerProcurement retention;
  PerProcurement uncertainty;
  AnyQualifiedProvider any_qualified_provider;
};
template <class V>
void describe(V& v, Commissioning& p) {
  v.table(p.sectors, "sectors", "commissioning terms over time, per sector");
  v.record(p.retention, "retention",
           "chance an incumbent mutual keeps its contract when re-procured by each route");
  v.record(p.uncertainty, "uncertainty",
           "procurement uncertainty staff perceive from each route, in [0,1]");
  v.record(p.any_qualified_provider, "any_qualified_provider",
           "Any Qualified Provider by service line (issue 13 item 5)");
}

/// Issue 13 item 3: a mutual that existed before the simulated period,
/// placed in an organisation of its type at the start.
struct InitialMutual {
  std::string label;
  std::string org_type;
  double staff;
  std::string form;
  Month founded;
  Month contract_end;
};
template <class V>
void describe(V& v, InitialMutual& p) {
  v.text(p.label, {.key = "label", .def = "", .meaning = "human-readable name"});
  v.text(p.org_type, {.key = "org_type",
                      .meaning = "organisation type it spun out of (its host at the start)"});
  v.num(p.staff, {.key = "staff",
                  .lo = 1,
                  .hi = 1e6,
                  .unit = "people",
                  .meaning = "its staff: the host's consecutive units are taken until they reach "
                             "this many"});
  v.text(p.form, {.key = "form", .meaning = "its form (a key of forms)"});
  v.date(p.founded, {.key = "founded", .meaning = "month it was founded"});
  v.date(p.contract_end,
         {.key = "contract_end",
          .meaning = "month its current contract is re-procured (then as any mutual's)"});
}

struct MutualParams {
  double monthly_failure_prob;
  double failure_on_loss_prob;
  double growth_on_retention_prob;
  double serving_nhs_before_2010;
  double serving_nhs_share_outside;
  std::vector<Named<InitialMutual>> initial_mutuals;
};
template <class V>
void describe(V& v, MutualParams& p) {
  v.num(p.monthly_failure_prob, {.key = "monthly_failure_prob",
                                 .def = 0.001,
                                 .lo = 0,
                                 .hi = 1,
                                 .unit = "1/month",
                                 .meaning = "background chance a mutual fails in a month"});
  v.num(p.failure_on_loss_prob, {.key = "failure_on_loss_prob",
                                 .def = 0.6,
                                 .lo = 0,
                                 .hi = 1,
                                 .unit = "probability",
                                 .meaning = "chance a mutual that loses its main contract fails"});
  v.num(p.growth_on_retention_prob,
        {.key = "growth_on_retention_prob",
         .def = 0.2,
         .lo = 0,
         .hi = 1,
         .unit = "probability",
         .meaning = "chance a retained mutual also takes over the next public unit of its "
                    "organisation"});
  v.num(p.serving_nhs_before_2010,
        {.key = "serving_nhs_before_2010",
         .def = 0,
         .lo = 0,
         .hi = 1e6,
         .unit = "mutuals",
         .meaning = "mutuals serving the NHS that predate the simulated period (not simulated; "
                    "added to the mutuals_serving_nhs series)"});
  v.num(p.serving_nhs_share_outside,
        {.key = "serving_nhs_share_outside",
         .def = 0,
         .lo = 0,
         .hi = 1,
         .unit = "fraction",
         .meaning = "share of active mutuals from non-NHS sectors that provide some service to "
                    "the NHS (counted in mutuals_serving_nhs)"});
  v.optional_table(p.initial_mutuals, "initial_mutuals",
                   "mutuals that existed before the simulated period (issue 13 item 3)");
}

// ---------------------------------------------------------------- programmes
struct InformationService {
  bool enabled;
  Month start;
  double level;
};
template <class V>
void describe(V& v, InformationService& p) {
  v.flag(p.enabled, {.key = "enabled", .def = 1.0, .meaning = "switch on or off"});
  v.date(p.start, {.key = "start", .def = "2011-07", .meaning = "launch month"});
  v.num(p.level, {.key = "level",
                  .def = 1.0,
                  .lo = 0,
                  .hi = 1,
                  .unit = "level",
                  .meaning = "information and support level while active"});
}

struct SupportFund {
  bool enabled;
  Month start;
  std::optional<Month> end;
  double budget_gbp;
  double grant_gbp;
};
template <class V>
void describe(V& v, SupportFund& p) {
  v.flag(p.enabled, {.key = "enabled", .def = 1.0, .meaning = "switch on or off"});
  v.date(p.start, {.key = "start", .def = "2012-08", .meaning = "first month grants are made"});
  v.date(p.end, {.key = "end", .meaning = "last month grants are made (absent: until spent)"});
  v.num(p.budget_gbp, {.key = "budget_gbp",
                       .def = 10e6,
                       .lo = 0,
                       .hi = 1e12,
                       .unit = "GBP",
                       .meaning = "fund budget",
                       .source = "pathfinder seed: GBP 10m fund"});
  v.num(p.grant_gbp, {.key = "grant_gbp",
                      .def = 75000,
                      .lo = 0,
                      .hi = 1e9,
                      .unit = "GBP",
                      .meaning = "grant to each proposal that reaches the business case"});
}

struct Pathfinder {
  bool enabled;
  Month start;
  int trusts;
  double grant_gbp;
  std::vector<std::string> org_types;
  double application_support;
  double progress_logit_shift;
  double governance_prob;
};
template <class V>
void describe(V& v, Pathfinder& p) {
  v.flag(p.enabled, {.key = "enabled", .def = 1.0, .meaning = "switch on or off"});
  v.date(p.start, {.key = "start",
                   .def = "2014-01",
                   .meaning = "month the chosen trusts start whole-organisation proposals"});
  v.num(p.trusts, {.key = "trusts",
                   .def = 10,
                   .lo = 0,
                   .hi = 100000,
                   .unit = "organisations",
                   .meaning = "trusts chosen from the applicants (at scale 1)",
                   .source = "pathfinder seed: 10 trusts"});
  v.num(p.grant_gbp, {.key = "grant_gbp",
                      .def = 100000,
                      .lo = 0,
                      .hi = 1e9,
                      .unit = "GBP",
                      .meaning = "grant per chosen trust",
                      .source = "pathfinder seed: GBP 100,000 each"});
  v.names(p.org_types, "org_types", "organisation types that may apply");
  v.num(p.application_support, {.key = "application_support",
                                .def = 0.15,
                                .lo = 0,
                                .hi = 1,
                                .unit = "fraction",
                                .meaning = "staff support share at which a trust applies"});
  v.num(p.progress_logit_shift,
        {.key = "progress_logit_shift",
         .def = 0.0,
         .lo = -30,
         .hi = 30,
         .unit = "logit",
         .meaning = "added to progress and spin-out log-odds of pathfinder proposals"});
  v.num(p.governance_prob,
        {.key = "governance_prob",
         .def = 0,
         .lo = 0,
         .hi = 1,
         .unit = "probability",
         .meaning = "chance a Pathfinder trust chooses to become a governance mutual instead of "
                    "spinning out (\"decide on potential models\")"});
}

struct ReservedContracts {
  bool enabled;
  Month start;
  int max_years;
  double share;
  double retention;
  std::vector<std::string> sectors;
  std::string rules;
  int repeat_bar_years;
  std::vector<std::string> deferred_sectors;
  std::optional<Month> deferred_start;
};

/// Issue 13 item 7: the rules of Article 77 (PCR 2015 reg. 77) or the old
/// permanent share of every award.
template <class V>
void describe_reserved_rules(V& v, ReservedContracts& p) {
  v.text(p.rules, {.key = "rules",
                   .def = "permanent_share",
                   .meaning = "article77: only reservable service lines, one reserved term of at "
                              "most 3 years, none again within repeat_bar_years; "
                              "permanent_share: a share of every award in the sectors"});
  v.num(p.repeat_bar_years, {.key = "repeat_bar_years",
                             .def = 3,
                             .lo = 0,
                             .hi = 50,
                             .unit = "years",
                             .meaning = "article77: no reserved award to a mutual that had one "
                                        "from the same authority in this many past years",
                             .source = "PCR 2015 reg. 77(4)(d): 3 years"});
  v.names(p.deferred_sectors, "deferred_sectors",
          "article77: sectors where the rule applies only from deferred_start");
  v.date(p.deferred_start, {.key = "deferred_start",
                            .meaning = "article77: first month in deferred_sectors (NHS health "
                                       "services: light-touch rules from 18 Apr 2016)"});
}
template <class V>
void describe(V& v, ReservedContracts& p) {
  v.flag(p.enabled, {.key = "enabled", .def = 1.0, .meaning = "switch on or off"});
  v.date(p.start, {.key = "start",
                   .def = "2015-04",
                   .meaning = "month public bodies may first reserve contracts for mutuals"});
  v.num(p.max_years, {.key = "max_years",
                      .def = 3,
                      .lo = 1,
                      .hi = 50,
                      .unit = "years",
                      .meaning = "length of a reserved contract",
                      .source = "BRIEF: EU reform reserves contracts for up to 3 years"});
  v.num(p.share, {.key = "share",
                  .def = 0.5,
                  .lo = 0,
                  .hi = 1,
                  .unit = "fraction",
                  .meaning = "share of eligible awards to mutuals that are reserved"});
  v.num(p.retention, {.key = "retention",
                      .def = 0.95,
                      .lo = 0,
                      .hi = 1,
                      .unit = "probability",
                      .meaning = "chance an incumbent mutual keeps a reserved contract"});
  v.names(p.sectors, "sectors", "sectors whose health and social service contracts qualify");
  describe_reserved_rules(v, p);
}

struct LargeTrustConversion {
  bool enabled;
  Month start;
  double min_staff;
  std::vector<std::string> org_types;
  double entry_logit;
  double staff_quorum;
  double board_consent;
  double governance_prob;
  double progress_logit_shift;
};
template <class V>
void describe(V& v, LargeTrustConversion& p) {
  v.flag(p.enabled, {.key = "enabled", .def = 0.0, .meaning = "switch on or off"});
  v.date(p.start, {.key = "start", .def = "2013-01", .meaning = "first month"});
  v.num(p.min_staff, {.key = "min_staff",
                      .def = 5000,
                      .lo = 0,
                      .hi = 1e7,
                      .unit = "people",
                      .meaning = "organisations at least this large may convert whole"});
  v.names(p.org_types, "org_types", "organisation types that may convert whole");
  v.num(p.entry_logit, {.key = "entry_logit",
                        .def = -5,
                        .lo = -30,
                        .hi = 30,
                        .unit = "logit",
                        .meaning = "monthly log-odds a large organisation's board considers "
                                   "converting"});
  v.num(p.staff_quorum, {.key = "staff_quorum",
                         .def = 0.15,
                         .lo = 0,
                         .hi = 1,
                         .unit = "fraction",
                         .meaning = "the staff's part: share of the trust's staff who must "
                                    "support converting, when the board considers it and again "
                                    "when the business case goes to the board"});
  v.num(p.board_consent, {.key = "board_consent",
                          .def = 0.5,
                          .lo = 0,
                          .hi = 1,
                          .unit = "probability",
                          .meaning = "the board's part: chance a board that considers "
                                     "converting agrees to (it then consents to the business "
                                     "case)"});
  v.num(p.governance_prob, {.key = "governance_prob",
                            .def = 0.5,
                            .lo = 0,
                            .hi = 1,
                            .unit = "probability",
                            .meaning = "chance a converting trust becomes a governance mutual "
                                       "rather than spinning out"});
  v.num(p.progress_logit_shift, {.key = "progress_logit_shift",
                                 .def = 0,
                                 .lo = -30,
                                 .hi = 30,
                                 .unit = "logit",
                                 .meaning = "added to progress and spin-out log-odds of a "
                                            "board-led conversion"});
}

struct Programmes {
  InformationService information_service;
  SupportFund support_fund;
  Pathfinder pathfinder;
  ReservedContracts reserved_contracts;
  LargeTrustConversion large_trust_conversion;
};
template <class V>
void describe(V& v, Programmes& p) {
  v.record(p.information_service, "information_service", "Mutuals Information Service");
  v.record(p.support_fund, "support_fund", "Mutuals Support Programme fund");
  v.record(p.pathfinder, "pathfinder", "Mutuals in Health Pathfinder");
  v.record(p.reserved_contracts, "reserved_contracts", "EU procurement reform: reserved contracts");
  v.record(p.large_trust_conversion, "large_trust_conversion",
           "lever: large organisations converting whole");
}

// ---------------------------------------------------------------- denominator, target
struct SeriesPoint {
  Month date;
  double value;
  std::string source;
};
template <class V>
void describe(V& v, SeriesPoint& p) {
  v.date(p.date, {.key = "date", .meaning = "month of the observation"});
  v.num(p.value, {.key = "value", .lo = 0, .hi = 1e9, .unit = "people", .meaning = "headcount"});
  v.text(p.source, {.key = "source", .def = "", .meaning = "where the figure comes from"});
}

struct Employment {
  std::vector<SeriesPoint> public_sector;
};
template <class V>
void describe(V& v, Employment& p) {
  v.list(p.public_sector, "public_sector",
         "public-sector employment, interpolated linearly between dates (flat outside)");
}

struct Target {
  double share;
  Month date;
  std::string reading;
};
template <class V>
void describe(V& v, Target& p) {
  v.num(p.share, {.key = "share",
                  .def = 1.0 / 6.0,
                  .lo = 0,
                  .hi = 1,
                  .lo_open = true,
                  .unit = "fraction",
                  .meaning = "target share of public-sector workers in mutuals",
                  .source = "Cabinet Office aspiration: one in six"});
  v.date(p.date, {.key = "date",
                  .def = "2015-12",
                  .meaning = "month by which the share should be reached (\"by 2015\")"});
  v.text(p.reading, {.key = "reading",
                     .def = "strict",
                     .meaning = "which forms the headline share_in_mutuals counts: strict "
                                "(forms with counts_strict) or broad (counts_broad)"});
}

// ---------------------------------------------------------------- engagement
// Issue 13 item 2. The Pathfinder's rationale: "the mutual model, with its
// focus on improving the engagement and empowerment of staff". Staff of a
// mutual close a share of the gap to a ceiling each month; the gain feeds the
// mutual's contract retention and what staff outside mutuals see. Every
// coefficient defaults to 0 (off); scenarios/baseline.yaml sets them with
// their sources.
struct EngagementParams {
  double gain_rate;
  double ceiling;
  double retention_logit_per_gap;
  double attitude_weight_national;
  double attitude_weight_colleagues;
};
template <class V>
void describe(V& v, EngagementParams& p) {
  v.num(p.gain_rate, {.key = "gain_rate",
                      .def = 0,
                      .lo = 0,
                      .hi = 1,
                      .unit = "1/month",
                      .meaning = "share of the gap to the ceiling a member of staff of an active "
                                 "mutual closes each month (0: no gain)"});
  v.num(p.ceiling, {.key = "ceiling",
                    .def = 0.7,
                    .lo = 0,
                    .hi = 1,
                    .unit = "engagement",
                    .meaning = "engagement mutual staff move towards, in [0, 1]",
                    .source = "Central Surrey Health 2014: 91% of staff would recommend its "
                              "care vs 65% across the NHS; 0.5 x 91/65 (mapping an assumption)"});
  v.num(p.retention_logit_per_gap,
        {.key = "retention_logit_per_gap",
         .def = 0,
         .lo = -50,
         .hi = 50,
         .unit = "logit",
         .meaning = "shift of the logit of a mutual's retention (and of keeping its volume "
                    "under AQP) per unit of its staff's mean engagement above the public "
                    "baseline (the mean of staff.engagement)",
         .source = "Cabinet Office CAB 041-12 (2012): absenteeism -20%, turnover -16% after "
                   "spin-out (their carrying over to contracts an assumption)"});
  v.num(p.attitude_weight_national,
        {.key = "attitude_weight_national",
         .def = 0,
         .lo = -5,
         .hi = 5,
         .unit = "attitude",
         .meaning = "target attitude of staff outside mutuals gained per unit of the national "
                    "engagement gap (mean inside mutuals minus outside, weighted)"});
  v.num(p.attitude_weight_colleagues,
        {.key = "attitude_weight_colleagues",
         .def = 0,
         .lo = -5,
         .hi = 5,
         .unit = "attitude",
         .meaning = "target attitude of staff outside mutuals gained per unit of the engagement "
                    "gap of their own organisation's mutual staff over the public baseline"});
}

// ---------------------------------------------------------------- scenario
struct Scenario {
  TimeSpan time;
  RunSettings run;
  Population population;
  StaffTraits staff;
  AttitudeParams attitude;
  WaitAndSeeParams wait_and_see;
  PipelineParams pipeline;
  std::vector<Named<Route>> routes;
  Commissioning commissioning;
  MutualParams mutuals;
  MutualForms forms;
  Programmes programmes;
  Employment employment;
  Target target;
  EngagementParams engagement;

  int months() const { return time.end - time.start + 1; }
};
template <class V>
void describe(V& v, Scenario& s) {
  v.record(s.time, "time", "simulated period");
  v.record(s.run, "run", "seed and replicates (command-line options override)");
  v.record(s.population, "population", "organisations, service units and staff");
  v.record(s.staff, "staff", "distributions of staff traits");
  v.record(s.attitude, "attitude", "monthly attitude dynamics");
  v.record(s.wait_and_see, "wait_and_see", "how staff read mutuals' contract outcomes");
  v.record(s.pipeline, "pipeline", "spin-out pipeline hazards");
  v.table(s.routes, "routes", "spin-out routes (TCS / Right to Request, Right to Provide, ...)");
  v.record(s.commissioning, "commissioning", "contract lengths and procurement routes");
  v.record(s.mutuals, "mutuals", "fate of mutuals");
  v.record(s.forms, "forms", "forms of mutuals: what each changes and how proposals choose");
  v.record(s.programmes, "programmes", "dated policy programmes");
  v.record(s.employment, "employment", "the target's denominator");
  v.record(s.target, "target", "the one-in-six aspiration");
  v.record(s.engagement, "engagement", "engagement of mutual staff and what it feeds (issue 13)");
}

}  // namespace mutsim
