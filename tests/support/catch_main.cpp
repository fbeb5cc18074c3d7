// The one translation unit that compiles Catch2's main (shared by all test executables).
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
