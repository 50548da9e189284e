#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "driftd/common/log.hpp"

using namespace driftd;

TEST_CASE("text log lines quote what needs quoting") {
  auto line = log::format_line(log::Format::text, log::Level::info, "evaluation finished",
                               {{"monitor", "fraud-v2"}, {"rows", 12}, {"note", "two words"}, {"ok", true}},
                               "2026-01-01T00:00:00Z");
  CHECK(line == "2026-01-01T00:00:00Z INFO evaluation finished monitor=fraud-v2 rows=12 note=\"two words\" ok=true");
}

TEST_CASE("json log lines are one valid object") {
  auto line = log::format_line(log::Format::json, log::Level::warn, "db \"down\"",
                               {{"monitor", "a\nb"}, {"seconds", 1.5}}, "T");
  CHECK(line == R"({"ts":"T","level":"warn","msg":"db \"down\"","monitor":"a\nb","seconds":1.5})");
}

TEST_CASE("log sink receives lines at or above the level") {
  std::vector<std::string> lines;
  log::set_sink([](void* ctx, std::string_view l) { static_cast<std::vector<std::string>*>(ctx)->emplace_back(l); },
                &lines);
  log::configure(log::Level::warn, log::Format::text);
  log::info("hidden");
  log::error("shown", {{"k", "v"}});
  log::configure(log::Level::info, log::Format::text);
  log::set_sink(nullptr, nullptr);
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].find("ERROR shown k=v") != std::string::npos);
}
