# `cmake --install` and the Debian package (cpack -G DEB): the binary, its man page (generated from its --help,
# docs/man/), bash completion, the scenarios (conformance suite, fleets, example profiles) and every JSON schema.
include(GNUInstallDirs)

set(mqtt_man_page ${PROJECT_BINARY_DIR}/mqtt-harness.1)
add_custom_command(
  OUTPUT ${mqtt_man_page}
  COMMAND ${CMAKE_COMMAND} -DBINARY=$<TARGET_FILE:mqtt-harness> -DTEMPLATE=${PROJECT_SOURCE_DIR}/docs/man/mqtt-harness.1.in
          -DOUTPUT=${mqtt_man_page} -P ${PROJECT_SOURCE_DIR}/docs/man/generate_man_page.cmake
  DEPENDS mqtt-harness ${PROJECT_SOURCE_DIR}/docs/man/mqtt-harness.1.in ${PROJECT_SOURCE_DIR}/docs/man/generate_man_page.cmake
  COMMENT "Generating the man page from mqtt-harness --help")
add_custom_target(mqtt_harness_man_page ALL DEPENDS ${mqtt_man_page})

install(TARGETS mqtt-harness RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES ${mqtt_man_page} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${PROJECT_SOURCE_DIR}/harness/cli/mqtt-harness.bash-completion
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME mqtt-harness)
# Data users copy and adapt; the conformance suite is also compiled into the binary, which never reads these.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/scenarios/
        DESTINATION ${CMAKE_INSTALL_DATADIR}/mqtt-harness/scenarios
        FILES_MATCHING PATTERN "*.json")
install(FILES ${PROJECT_SOURCE_DIR}/ci/accepted/mosquitto-2.0.11.json
        DESTINATION ${CMAKE_INSTALL_DATADIR}/mqtt-harness/accepted)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/docs/cli.md ${PROJECT_SOURCE_DIR}/docs/profiles.md
        DESTINATION ${CMAKE_INSTALL_DOCDIR})

set(CPACK_PACKAGE_NAME mqtt-harness)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "checks that an MQTT broker keeps the protocol's promises, with evidence")
set(CPACK_PACKAGE_CONTACT "mqtt-harness maintainers <mqtt-harness@localhost>")
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "checks that an MQTT broker keeps the protocol's promises, with evidence\n"
    "Runs the MQTT 3.1.1 conformance suite, fleets of simulated devices on a faulty network and\n"
    "captured traffic against a broker; a reference model judges every packet history and cites the\n"
    "normative statement each violation breaks.")
# The shared libraries the binary really links (OpenSSL, libpcap, Graphviz, fmt, ...) become Depends, with the
# versions dpkg-shlibdeps reads from the system's symbols files.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS OFF)
set(CPACK_STRIP_FILES ON)
# Only the runtime: the tests and benchmarks install nothing.
set(CPACK_SOURCE_IGNORE_FILES "/build/;/\\\\.git/")
include(CPack)
