# hk_add_test(<name> SOURCES <files...> LIBS <targets...>)
# One executable per test file group; every Catch2 TEST_CASE becomes its own ctest test.
include(Catch)

add_library(hk_catch_main OBJECT ${PROJECT_SOURCE_DIR}/tests/support/catch_main.cpp)
target_link_libraries(hk_catch_main PUBLIC Catch2::Catch2)

function(hk_add_test name)
  cmake_parse_arguments(T "" "" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${name} ${T_SOURCES} $<TARGET_OBJECTS:hk_catch_main>)
  target_link_libraries(${name} PRIVATE Catch2::Catch2 hk_warnings hk_test_support ${T_LIBS})
  if(NOT T_LABELS)
    set(T_LABELS unit)
  endif()
  # -w NoTests: a test whose name ctest cannot pass back intact (a ';' in it) runs nothing, and
  # must fail rather than pass.
  catch_discover_tests(${name} TEST_PREFIX "${name}: " EXTRA_ARGS -w NoTests
    PROPERTIES LABELS "${T_LABELS}")
endfunction()
