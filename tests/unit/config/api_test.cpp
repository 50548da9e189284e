// The small functions of the config API: names, hints, problems, files.

#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "support.hpp"

using namespace driftd::config;
using namespace driftd::config::test;

TEST_CASE("closest_match suggests a near key, or nothing") {
  const std::vector<std::string> keys = {
      "name",      "table", "timestamp_column", "schedule", "window",
      "reference", "for",   "statement_timeout"};
  struct Case {
    const char* word;
    const char* match;
  };
  auto c = GENERATE(values<Case>({
      {"tabel", "table"},                        // adjacent transposition: 1 edit
      {"tabl", "table"},                         // deletion
      {"windows", "window"},                     // insertion
      {"refrence", "reference"},                 // deletion in a long word
      {"refernece", "reference"},                // transposition in a long word
      {"timestamp_colum", "timestamp_column"},   //
      {"statment_timout", "statement_timeout"},  // 2 edits allowed for longer words
      {"fro", "for"},                            //
      {"Table", "table"},                        // case is ignored
      {"SCHEDULE", "schedule"},                  //
      {"nmae", "name"},                          // short word: 1 transposition
      {"nm", ""},                                // short word: 2 edits is too far
      {"xyz", ""},                               //
      {"schdl", ""},                             // 3 edits
      {"statment_timout_s", ""},                 // 3 edits
      {"", ""},                                  //
  }));
  CAPTURE(c.word);
  CHECK(closest_match(c.word, keys) == c.match);
}

TEST_CASE("closest_match finds statistics") {
  CHECK(closest_match("pis", known_statistics()) == "psi");
  CHECK(closest_match("ks_pval", known_statistics()) == "ks_pvalue");
  CHECK(closest_match("hellinger_distance", known_statistics()).empty());
  CHECK(closest_match("p95", known_statistics()) == "p90");
  CHECK(closest_match("word", {}).empty());
}

TEST_CASE("known_statistics lists every statistic of CONTRACT section 5") {
  const std::vector<std::string> expected = {"psi",
                                             "kl_divergence",
                                             "js_distance",
                                             "hellinger",
                                             "ks_statistic",
                                             "ks_pvalue",
                                             "wasserstein_normed",
                                             "mean_shift_sigmas",
                                             "missing_rate",
                                             "out_of_range_rate",
                                             "invalid_rate",
                                             "chi2_statistic",
                                             "chi2_pvalue",
                                             "new_category_rate",
                                             "mean",
                                             "p10",
                                             "p50",
                                             "p90",
                                             "low_confidence_rate"};
  // CONTRACT section 5 first, in its order; the extensions' statistics follow.
  const auto& known = known_statistics();
  REQUIRE(known.size() >= expected.size());
  CHECK(std::vector<std::string>(known.begin(), known.begin() + static_cast<std::ptrdiff_t>(
                                                                    expected.size())) == expected);
  for (const char* extension : {"drifted_feature_share", "drifted_features"}) {
    CHECK(std::find(known.begin(), known.end(), extension) != known.end());
  }
}

TEST_CASE("enum names round-trip") {
  CHECK(to_string(FeatureKind::numerical) == "numerical");
  CHECK(to_string(FeatureKind::categorical) == "categorical");
  CHECK(to_string(SinkConfig::Type::webhook) == "webhook");
  CHECK(to_string(SinkConfig::Type::slack) == "slack");
  CHECK(to_string(SinkConfig::Type::pagerduty) == "pagerduty");
  CHECK(to_string(SinkConfig::Type::alertmanager) == "alertmanager");
  for (auto s : {Severity::low, Severity::medium, Severity::high, Severity::critical}) {
    CHECK(parse_severity(to_string(s)) == s);
  }
  CHECK(to_string(Severity::critical) == "critical");
  CHECK_FALSE(parse_severity("High"));
  CHECK_FALSE(parse_severity("urgent"));
  CHECK_FALSE(parse_severity(""));
  CHECK(Severity::low < Severity::medium);
  CHECK(Severity::high < Severity::critical);
}

TEST_CASE("Problem::to_string is FILE:LINE: message, without a line when there is none") {
  CHECK(Problem{"driftd.toml", 14, "bad"}.to_string() == "driftd.toml:14: bad");
  CHECK(Problem{"/etc/driftd.toml", 0, "cannot read: x"}.to_string() ==
        "/etc/driftd.toml: cannot read: x");
}

TEST_CASE("ConfigError carries every problem and prints one per line") {
  ConfigError e({Problem{"f.toml", 1, "a"}, Problem{"f.toml", 7, "b"}});
  REQUIRE(e.problems().size() == 2);
  CHECK(e.problems()[1].line == 7);
  CHECK(std::string(e.what()) == "f.toml:1: a\nf.toml:7: b");
}

TEST_CASE("a file that cannot be read is one problem without a line") {
  SECTION("missing") {
    const std::string path = "/nonexistent/driftd-config-test/driftd.toml";
    try {
      load_file(path);
      FAIL("loaded a missing file");
    } catch (const ConfigError& e) {
      REQUIRE(e.problems().size() == 1);
      CHECK(e.problems()[0].file == path);
      CHECK(e.problems()[0].line == 0);
      CHECK(e.problems()[0].to_string() == path + ": cannot read: No such file or directory");
    }
  }
  SECTION("a directory") {
    try {
      load_file("/");
      FAIL("loaded a directory");
    } catch (const ConfigError& e) {
      REQUIRE(e.problems().size() == 1);
      CHECK(e.problems()[0].to_string() == "/: cannot read: Is a directory");
    }
  }
}

TEST_CASE("load_file reads the file and reports problems under its path") {
  ScopedEnv env({});
  char dir_template[] = "/tmp/driftd-config-test-XXXXXX";
  REQUIRE(::mkdtemp(dir_template) != nullptr);
  const std::string path = std::string(dir_template) + "/driftd.toml";
  {
    std::ofstream out(path);
    out << "[database]\nurl = \"postgresql://localhost/app\"\n\n[[monitors]]\nname = \"m\"\n";
  }
  try {
    load_file(path, &fake_getenv);
    FAIL("loaded an invalid file");
  } catch (const ConfigError& e) {
    REQUIRE_FALSE(e.problems().empty());
    CHECK(e.problems()[0].file == path);
    CHECK(e.problems()[0].line == 4);
    CHECK(e.problems()[0].to_string().rfind(path + ":4: monitors[0] (m): missing required key",
                                            0) == 0);
  }
  {
    std::ofstream out(path, std::ios::app);
    out << "table = \"t\"\ntimestamp_column = \"ts\"\nschedule = \"1m\"\nwindow = \"1h\"\n"
           "reference = { offset = \"1d\" }\nprediction = { column = \"p\", kind = \"numerical\" "
           "}\n";
  }
  Config c = load_file(path, &fake_getenv);
  CHECK(c.path == path);
  CHECK(c.monitors.at(0).name == "m");
  std::remove(path.c_str());
  ::rmdir(dir_template);
}

TEST_CASE("mask_password hides passwords of URIs and key=value strings") {
  struct Case {
    const char* url;
    const char* masked;
  };
  auto c = GENERATE(values<Case>({
      {"postgresql://driftd:s3cret@db:5432/app", "postgresql://driftd:***@db:5432/app"},
      {"postgresql://driftd@db/app", "postgresql://driftd@db/app"},
      {"postgresql://db/app", "postgresql://db/app"},
      {"postgresql://u:p@ss/w@rd@db/app", "postgresql://u:***@db/app"},
      {"postgresql://db/app?user=u&password=s3cret&sslmode=require",
       "postgresql://db/app?user=u&password=***&sslmode=require"},
      {"host=db user=u password=s3cret dbname=app", "host=db user=u password=*** dbname=app"},
      {"host=db password = 's3 cret\\' x' dbname=app", "host=db password = *** dbname=app"},
      {"host=db PASSWORD=s3cret", "host=db PASSWORD=***"},
      {"host=db mypassword=x", "host=db mypassword=x"},
  }));
  CAPTURE(c.url);
  CHECK(mask_password(c.url) == c.masked);
}
