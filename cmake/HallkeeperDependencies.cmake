# Every third-party dependency, found once, with a configure-time error that names the
# Debian package to install. scripts/lib/deps.sh installs the same packages.

function(hk_missing what package)
  message(FATAL_ERROR
    "hallkeeper needs ${what}, which was not found.\n"
    "Install the Debian package '${package}' (apt-get install ${package}), "
    "or run scripts/test or scripts/demo, which install everything they need.")
endfunction()

find_package(Threads REQUIRED)

find_package(Boost 1.74 QUIET)
if(NOT Boost_FOUND)
  hk_missing("Boost (Asio, Beast)" libboost-dev)
endif()

find_package(SQLite3 QUIET)
if(NOT SQLite3_FOUND)
  hk_missing("SQLite 3" libsqlite3-dev)
endif()

find_package(tomlplusplus QUIET)
if(NOT tomlplusplus_FOUND)
  hk_missing("toml++" libtomlplusplus-dev)
endif()

find_package(fmt QUIET)
if(NOT fmt_FOUND)
  hk_missing("fmt" libfmt-dev)
endif()

find_package(spdlog QUIET)
if(NOT spdlog_FOUND)
  hk_missing("spdlog" libspdlog-dev)
endif()

find_package(nlohmann_json 3.10 QUIET)
if(NOT nlohmann_json_FOUND)
  hk_missing("nlohmann-json" nlohmann-json3-dev)
endif()

find_package(CLI11 QUIET)
if(NOT CLI11_FOUND)
  hk_missing("CLI11" libcli11-dev)
endif()

find_package(simdjson 3 QUIET)
if(NOT simdjson_FOUND)
  hk_missing("simdjson (queue event decoding)" libsimdjson-dev)
endif()

find_package(PkgConfig QUIET)
if(NOT PkgConfig_FOUND)
  hk_missing("pkg-config" pkg-config)
endif()
pkg_check_modules(SYSTEMD QUIET IMPORTED_TARGET libsystemd)
if(NOT SYSTEMD_FOUND)
  hk_missing("libsystemd (sd_notify, journald)" libsystemd-dev)
endif()
pkg_check_modules(SERIALPORT QUIET IMPORTED_TARGET libserialport)
if(NOT SERIALPORT_FOUND)
  hk_missing("libserialport (serial transports)" libserialport-dev)
endif()
pkg_check_modules(UDEV QUIET IMPORTED_TARGET libudev)
if(NOT UDEV_FOUND)
  hk_missing("libudev (device hotplug)" libudev-dev)
endif()
pkg_check_modules(LIBUSB QUIET IMPORTED_TARGET libusb-1.0)
if(NOT LIBUSB_FOUND)
  hk_missing("libusb-1.0 (USB transports)" libusb-1.0-0-dev)
endif()
pkg_check_modules(SODIUM QUIET IMPORTED_TARGET libsodium)
if(NOT SODIUM_FOUND)
  hk_missing("libsodium (officer PIN hashing, session tokens)" libsodium-dev)
endif()

if(HK_BUILD_TESTS)
  find_package(Catch2 2 QUIET)
  if(NOT Catch2_FOUND)
    hk_missing("Catch2 v2 (tests)" catch2)
  endif()
endif()
