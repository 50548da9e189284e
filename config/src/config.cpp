// The small, toml-free part of the public API: names of enums, problems, statistics, and reading
// the file. The TOML walk itself is in loader.cpp.

#include "driftd/config/config.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "checks.hpp"

namespace driftd::config {

std::string_view to_string(FeatureKind k) {
  switch (k) {
    case FeatureKind::numerical:
      return "numerical";
    case FeatureKind::categorical:
      return "categorical";
  }
  return "numerical";
}

std::string_view to_string(SinkConfig::Type t) {
  switch (t) {
    case SinkConfig::Type::webhook:
      return "webhook";
    case SinkConfig::Type::slack:
      return "slack";
    case SinkConfig::Type::pagerduty:
      return "pagerduty";
    case SinkConfig::Type::alertmanager:
      return "alertmanager";
  }
  return "webhook";
}

std::string_view to_string(DatasetDriftConfig::Correction c) {
  switch (c) {
    case DatasetDriftConfig::Correction::none:
      return "none";
    case DatasetDriftConfig::Correction::bonferroni:
      return "bonferroni";
    case DatasetDriftConfig::Correction::holm:
      return "holm";
    case DatasetDriftConfig::Correction::benjamini_hochberg:
      return "benjamini_hochberg";
  }
  return "none";
}

std::string_view to_string(LabelsConfig::Task t) {
  switch (t) {
    case LabelsConfig::Task::binary:
      return "binary";
    case LabelsConfig::Task::multiclass:
      return "multiclass";
    case LabelsConfig::Task::regression:
      return "regression";
  }
  return "binary";
}

const MonitorConfig* Config::find_monitor(std::string_view name) const {
  for (const auto& m : monitors) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

std::string Problem::to_string() const {
  std::string out = file;
  if (line > 0) out += ":" + std::to_string(line);
  out += ": ";
  out += message;
  return out;
}

namespace {

std::string join_problems(const std::vector<Problem>& problems) {
  if (problems.empty()) return "invalid configuration";
  std::string out;
  for (const auto& p : problems) {
    if (!out.empty()) out += '\n';
    out += p.to_string();
  }
  return out;
}

const char* process_getenv(const char* name) { return std::getenv(name); }

}  // namespace

ConfigError::ConfigError(std::vector<Problem> problems, std::shared_ptr<const Config> partial)
    : std::runtime_error(join_problems(problems)),
      problems_(std::move(problems)),
      partial_(std::move(partial)) {}

const std::vector<std::string>& known_statistics() {
  static const std::vector<std::string> kStatistics = [] {
    std::vector<std::string> out;
    for (const auto& s : drift::statistics()) out.emplace_back(s.name);
    return out;
  }();
  return kStatistics;
}

const std::vector<std::string>& learnable_statistics() {
  static const std::vector<std::string> kLearnable = [] {
    std::vector<std::string> out;
    for (const auto& s : drift::statistics()) {
      if (s.learnable) out.emplace_back(s.name);
    }
    return out;
  }();
  return kLearnable;
}

std::string closest_match(std::string_view word, const std::vector<std::string>& candidates) {
  std::string lowered(word);
  std::transform(lowered.begin(), lowered.end(), lowered.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  // Short words tolerate one edit, longer ones two; an edit count reaching the word's length
  // would match anything of that size.
  const std::size_t limit = lowered.size() <= 4 ? 1 : 2;
  std::size_t best = limit + 1;
  const std::string* match = nullptr;
  for (const auto& candidate : candidates) {
    std::size_t d = detail::edit_distance(lowered, candidate);
    if (d < best && d < std::max<std::size_t>(lowered.size(), 1)) {
      best = d;
      match = &candidate;
    }
  }
  return match ? *match : std::string();
}

Config load_file(const std::string& path) { return load_file(path, nullptr); }

Config load_file(const std::string& path, const char* (*getenv_fn)(const char*)) {
  errno = 0;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"),
                                                       &std::fclose);
  auto cannot_read = [&path](int err) {
    return ConfigError({Problem{path, 0, std::string("cannot read: ") + std::strerror(err)}});
  };
  if (!file) throw cannot_read(errno);
  std::string text;
  char buf[1 << 16];
  while (true) {
    std::size_t n = std::fread(buf, 1, sizeof buf, file.get());
    text.append(buf, n);
    if (n < sizeof buf) break;
  }
  if (std::ferror(file.get())) throw cannot_read(errno != 0 ? errno : EIO);
  return load_string(text, path, getenv_fn ? getenv_fn : &process_getenv);
}

}  // namespace driftd::config
