#include <catch2/catch.hpp>

#include "driftd/common/text.hpp"

using namespace driftd;

TEST_CASE("one_line puts another program's message on one line") {
  // libpq's message when nothing listens: a newline and a tab before its hint.
  CHECK(one_line("connection to server at \"127.0.0.1\", port 1 failed: Connection refused\n\tIs "
                 "the server running on that host and accepting TCP/IP connections?\n") ==
        "connection to server at \"127.0.0.1\", port 1 failed: Connection refused Is the server "
        "running on that host and accepting TCP/IP connections?");
  CHECK(one_line("FATAL:  role \"x\" does not exist") == "FATAL: role \"x\" does not exist");
  CHECK(one_line(" \t\r\n ") == "");
  CHECK(one_line("a\r\n\tb\v\fc") == "a b c");
  CHECK(one_line("plain") == "plain");
}
