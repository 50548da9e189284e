#pragma once
// Small builders shared by the drift tests of the monitoring sections: columns from values, and a
// JSON reordering that mimics what PostgreSQL's jsonb does to stored evaluations.

#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "driftd/drift/window.hpp"

namespace driftd::drift::test {

inline Column numerical_column(const std::vector<double>& values) {
  NumericalColumn c;
  for (double v : values) c.values.push_back(v);
  return c;
}

inline Column categorical_column(const std::vector<std::optional<std::string>>& values) {
  CategoricalColumn c;
  for (const auto& v : values) {
    if (!v) {
      c.ids.push_back(CategoricalColumn::kMissingCategory);
      continue;
    }
    auto it = std::find(c.dictionary.begin(), c.dictionary.end(), *v);
    if (it == c.dictionary.end()) it = c.dictionary.insert(c.dictionary.end(), *v);
    c.ids.push_back(static_cast<std::uint32_t>(it - c.dictionary.begin()));
  }
  return c;
}

// Keys sorted (nlohmann::json, unlike ordered_json, keeps objects sorted): an evaluation read back
// from the state schema arrives with its keys in an order of the store's choosing.
inline std::string reordered(const std::string& json) { return nlohmann::json::parse(json).dump(); }

}  // namespace driftd::drift::test
