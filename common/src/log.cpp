#include "driftd/common/log.hpp"

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <mutex>

#include "driftd/common/time.hpp"

namespace driftd::log {
namespace {

std::atomic<Level> g_level{Level::info};
std::atomic<Format> g_format{Format::text};
std::mutex g_mutex;
Sink g_sink = nullptr;
void* g_sink_ctx = nullptr;

const char* level_name(Level l) {
  switch (l) {
    case Level::debug: return "debug";
    case Level::info: return "info";
    case Level::warn: return "warn";
    case Level::error: return "error";
  }
  return "info";
}

void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}

std::string number_text(double v) {
  if (!std::isfinite(v)) return std::isnan(v) ? "NaN" : (v > 0 ? "+Inf" : "-Inf");
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

// Text values are quoted when they would otherwise be ambiguous (spaces, quotes, '=', empty).
void append_text_value(std::string& out, std::string_view s) {
  bool plain = !s.empty();
  for (unsigned char c : s) {
    if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c == 0x7f) {
      plain = false;
      break;
    }
  }
  if (plain) {
    out += s;
  } else {
    append_json_string(out, s);
  }
}

}  // namespace

void configure(Level min_level, Format format) {
  g_level = min_level;
  g_format = format;
}

Level min_level() { return g_level; }

std::optional<Level> parse_level(std::string_view name) {
  if (name == "debug") return Level::debug;
  if (name == "info") return Level::info;
  if (name == "warn" || name == "warning") return Level::warn;
  if (name == "error") return Level::error;
  return std::nullopt;
}

void set_sink(Sink sink, void* ctx) {
  std::lock_guard lock(g_mutex);
  g_sink = sink;
  g_sink_ctx = ctx;
}

std::string format_line(Format format, Level level, std::string_view message,
                        std::initializer_list<Field> fields, std::string_view timestamp) {
  std::string out;
  out.reserve(128);
  if (format == Format::json) {
    out += "{\"ts\":";
    append_json_string(out, timestamp);
    out += ",\"level\":";
    append_json_string(out, level_name(level));
    out += ",\"msg\":";
    append_json_string(out, message);
    for (const auto& f : fields) {
      out += ',';
      append_json_string(out, f.key);
      out += ':';
      std::visit(
          [&](const auto& v) {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::string>) {
              append_json_string(out, v);
            } else if constexpr (std::is_same_v<T, bool>) {
              out += v ? "true" : "false";
            } else if constexpr (std::is_same_v<T, double>) {
              if (std::isfinite(v)) {
                out += number_text(v);
              } else {
                append_json_string(out, number_text(v));
              }
            } else {
              out += std::to_string(v);
            }
          },
          f.value);
    }
    out += '}';
    return out;
  }
  out += timestamp;
  out += ' ';
  std::string lvl = level_name(level);
  for (auto& c : lvl) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  out += lvl;
  out += ' ';
  out += message;
  for (const auto& f : fields) {
    out += ' ';
    out += f.key;
    out += '=';
    std::visit(
        [&](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, std::string>) {
            append_text_value(out, v);
          } else if constexpr (std::is_same_v<T, bool>) {
            out += v ? "true" : "false";
          } else if constexpr (std::is_same_v<T, double>) {
            out += number_text(v);
          } else {
            out += std::to_string(v);
          }
        },
        f.value);
  }
  return out;
}

void write(Level level, std::string_view message, std::initializer_list<Field> fields) {
  if (level < g_level.load(std::memory_order_relaxed)) return;
  auto now = std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
  std::string ts = format_rfc3339(std::chrono::time_point_cast<Duration>(now));
  std::string line = format_line(g_format.load(std::memory_order_relaxed), level, message, fields, ts);
  std::lock_guard lock(g_mutex);
  if (g_sink != nullptr) {
    g_sink(g_sink_ctx, line);
    return;
  }
  line += '\n';
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

}  // namespace driftd::log
