# Warning flags shared by every hallkeeper target (applied through hk_warnings).
add_library(hk_warnings INTERFACE)
target_compile_options(hk_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
  -Woverloaded-virtual -Wcast-align -Wformat=2 -Wimplicit-fallthrough
  -Wmissing-declarations
  # g++ 12 warns on every designated initializer that leaves a defaulted member out, which is
  # the point of designated initializers with defaults.
  -Wno-missing-field-initializers)
# g++ 12's flow-based warnings report false positives inside libstdc++ (std::string,
# std::expected) once -O2/-O3 inlines it; they are known upstream. Optimised builds drop them;
# the Debug and sanitizer builds that CI runs keep every other warning.
target_compile_options(hk_warnings INTERFACE
  $<$<CONFIG:Release,RelWithDebInfo,MinSizeRel>:-Wno-maybe-uninitialized -Wno-restrict
  -Wno-stringop-overflow -Wno-array-bounds>)
if(HK_WERROR)
  target_compile_options(hk_warnings INTERFACE -Werror)
endif()
