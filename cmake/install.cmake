# `cmake --install` (included from the top-level CMakeLists): the thaw binary, thaw's runtime
# bootstraps, and the package another CMake project finds with `find_package(thaw)`:
#   thaw::testing  the emulator in-process for C++ tests (testing/emulator.h, matchers.h)
#   thaw::runtime  the Runtime API client for C++ custom runtimes (emulator/runtimes/cpp)
# Headers go to <prefix>/include/thaw/... and are included as <thaw/testing/emulator.h>.
# The libraries are static: the export also carries the internal libraries thaw::testing links
# (thaw::thaw_core, ...), and thawConfig.cmake finds their dependencies.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(THAW_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/thaw)
set(THAW_INSTALL_INCLUDEDIR ${CMAKE_INSTALL_INCLUDEDIR}/thaw)
set(THAW_INSTALL_RUNTIMESDIR ${CMAKE_INSTALL_DATADIR}/thaw/runtimes)

set_target_properties(thaw_testing PROPERTIES EXPORT_NAME testing)
set_target_properties(thaw_runtime PROPERTIES EXPORT_NAME runtime)
target_include_directories(thaw_runtime INTERFACE
  $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>
  $<INSTALL_INTERFACE:${THAW_INSTALL_INCLUDEDIR}>)

install(TARGETS thaw_testing thaw_runtime thaw_core thaw_tls thaw_standalone thaw_host thaw_control thaw_config thaw_http
                thaw_process thaw_sandbox thaw_momento thaw_aws thaw_proto thaw_ric thaw_vtime
                thaw_package
        EXPORT thawTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(TARGETS thaw RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
# The clock preload every instance with virtual time runs with (emulator/vtime), where
# FindClockPreload looks beside the thaw binary.
install(TARGETS thaw_clock_preload LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}/thaw)
install(FILES testing/emulator.h testing/emulator_fixture.h testing/matchers.h DESTINATION ${THAW_INSTALL_INCLUDEDIR}/testing)
install(FILES core/ledger.h DESTINATION ${THAW_INSTALL_INCLUDEDIR}/core)
install(FILES emulator/runtimes/cpp/runtime.h
        DESTINATION ${THAW_INSTALL_INCLUDEDIR}/emulator/runtimes/cpp)
install(DIRECTORY emulator/runtimes/nodejs emulator/runtimes/python
        DESTINATION ${THAW_INSTALL_RUNTIMESDIR})
# The pinned aws-lambda-ric (`runtime_client: aws-lambda-ric`), installed on first use.
install(FILES emulator/runtimes/ric/package.json emulator/runtimes/ric/package-lock.json
        DESTINATION ${THAW_INSTALL_RUNTIMESDIR}/ric)

install(EXPORT thawTargets NAMESPACE thaw:: DESTINATION ${THAW_INSTALL_CMAKEDIR})
configure_package_config_file(cmake/thawConfig.cmake.in
  ${PROJECT_BINARY_DIR}/thawConfig.cmake INSTALL_DESTINATION ${THAW_INSTALL_CMAKEDIR}
  PATH_VARS THAW_INSTALL_RUNTIMESDIR CMAKE_INSTALL_BINDIR)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/thawConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/thawConfig.cmake ${PROJECT_BINARY_DIR}/thawConfigVersion.cmake
        DESTINATION ${THAW_INSTALL_CMAKEDIR})
