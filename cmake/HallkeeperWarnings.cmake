# Warning flags shared by every hallkeeper target (applied through hk_warnings).
add_library(hk_warnings INTERFACE)
target_compile_options(hk_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
  -Woverloaded-virtual -Wcast-align -Wformat=2 -Wimplicit-fallthrough
  -Wmissing-declarations
  # g++ 12 warns on every designated initializer that leaves a defaulted member out, which is
  # the point of designated initializers with defaults.
  -Wno-missing-field-initializers)
if(HK_WERROR)
  target_compile_options(hk_warnings INTERFACE -Werror)
endif()
