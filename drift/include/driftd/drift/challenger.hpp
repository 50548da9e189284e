#pragma once
// Champion / challenger (issue 8): two model versions compared over the same current window —
// the divergence of their prediction distributions, how often they agree on the same request,
// their confidence, and with labels whether the challenger performs significantly better or
// worse on the headline metric. Pure and thread-compatible.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "driftd/drift/evaluation.hpp"
#include "driftd/drift/monitoring.hpp"
#include "driftd/drift/window.hpp"

namespace driftd::drift {

struct ChallengerSpec {
  FeatureKind prediction_kind = FeatureKind::categorical;
  int bins = 10;  // of the prediction divergence (numerical predictions)
  // With labels: how each version's realised performance is measured (window_performance).
  std::optional<PerformanceSpec> performance;
  // Numerical predictions that are not a binary score agree when |a − b| <= tolerance.
  double tolerance = 0;
  double alpha = 0.05;  // significance level of the two-sided test, in (0, 1)
  // Rows each version needs before thresholds apply, and labelled rows before a verdict.
  std::uint64_t min_rows = 100;
};

// One version's columns over the current window (nullptr where the monitor has none); all of the
// same length.
struct ChallengerColumns {
  const Column* prediction = nullptr;  // required
  const Column* confidence = nullptr;  // numerical
  const Column* key = nullptr;         // categorical: pairs the rows that scored one request
  PerformanceColumns performance;      // with labels
};

// The comparison, champion as reference:
//  - prediction_<statistic>: the drift statistics of the challenger's predictions against the
//    champion's (compare_numerical / compare_categorical, `bins` reference-quantile bins);
//  - with keys: a request is paired when its key occurs in both versions (the first row of each
//    key in each version; later rows with the same key are ignored) and both predictions are
//    present; agreement_rate = agreeing pairs / paired_rows. Categorical predictions agree when
//    equal (as text); a numerical prediction that is the score of a binary task agrees when both
//    sides fall on the same side of the threshold (score >= threshold); any other numerical
//    prediction when |challenger − champion| <= tolerance;
//  - champion_/challenger_confidence_mean (mean of finite confidences), confidence_difference =
//    challenger − champion;
//  - with labels, the headline metric and its test:
//      binary with a score: roc_auc, DeLong's test — paired (delong_paired_test) on the paired
//        requests whose labels agree when the versions have keys, else unpaired
//        (delong_unpaired_test);
//      binary without a score, multiclass: accuracy, two-proportion z-test;
//      regression: mae, Welch's t-test on the absolute errors |prediction − label|;
//    performance_difference = challenger − champion (for mae a negative difference is better);
//    the verdict is "unknown" when either version has fewer than min_rows labelled rows used by
//    the test, for roc_auc fewer than 10 positives or 10 negatives on either side, or the p-value
//    is undefined, else "better" / "worse" when p < alpha (by the sign
//    of the difference read with the metric's direction), else "no_difference". With a known
//    verdict, challenger_better and challenger_worse are 1 or 0.
// `status` is insufficient_data when either version has fewer than min_rows rows; otherwise the
// thresholds apply to `statistics` (drift when one is crossed). Throws std::invalid_argument when
// the columns do not fit the spec (a caller's mistake).
ChallengerResult compare_versions(const ChallengerSpec& spec, const ChallengerColumns& champion,
                                  const ChallengerColumns& challenger,
                                  const std::vector<Threshold>& thresholds);

// Adds `r` to `e`; a breach turns an `ok` evaluation into `drift`.
void add_challenger(Evaluation& e, ChallengerResult r);

}  // namespace driftd::drift
