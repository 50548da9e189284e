#pragma once
// Structured logging: one line per event, `text` (ts level msg key=value ...) or `json`
// (one object per line). Thread-safe; lines are written whole to stderr.

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

namespace driftd::log {

enum class Level { debug = 0, info = 1, warn = 2, error = 3 };
enum class Format { text, json };

struct Field {
  using Value = std::variant<std::string, std::int64_t, double, bool>;
  Field(std::string_view k, std::string_view v) : key(k), value(std::string(v)) {}
  Field(std::string_view k, const char* v) : key(k), value(std::string(v)) {}
  Field(std::string_view k, const std::string& v) : key(k), value(v) {}
  Field(std::string_view k, double v) : key(k), value(v) {}
  Field(std::string_view k, bool v) : key(k), value(v) {}
  template <typename I>
    requires(std::is_integral_v<I> && !std::is_same_v<I, bool>)
  Field(std::string_view k, I v) : key(k), value(static_cast<std::int64_t>(v)) {}
  std::string key;
  Value value;
};

void configure(Level min_level, Format format);
Level min_level();
std::optional<Level> parse_level(std::string_view name);

// Redirects output (tests); nullptr restores stderr. The sink gets whole lines without '\n'.
using Sink = void (*)(void* ctx, std::string_view line);
void set_sink(Sink sink, void* ctx);

void write(Level level, std::string_view message, std::initializer_list<Field> fields = {});
inline void debug(std::string_view m, std::initializer_list<Field> f = {}) { write(Level::debug, m, f); }
inline void info(std::string_view m, std::initializer_list<Field> f = {}) { write(Level::info, m, f); }
inline void warn(std::string_view m, std::initializer_list<Field> f = {}) { write(Level::warn, m, f); }
inline void error(std::string_view m, std::initializer_list<Field> f = {}) { write(Level::error, m, f); }

// Formats one line without writing it (exposed for tests).
std::string format_line(Format format, Level level, std::string_view message,
                        std::initializer_list<Field> fields, std::string_view timestamp);

}  // namespace driftd::log
