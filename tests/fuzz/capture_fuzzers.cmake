# Fuzz targets for the untrusted capture inputs (issue 12 §6), included from CMakeLists.txt. With
# MQTT_HARNESS_FUZZ (a clang build, see ci/fuzz-captures.sh) the capture sources are compiled with the fuzzer's
# instrumentation into one library that every target links; otherwise a ctest runs ci/fuzz-captures.sh briefly.
set(MQTT_CAPTURE_FUZZERS capture_file_fuzzer pcapng_reader_fuzzer ip_reassembler_fuzzer tcp_reassembler_fuzzer
    websocket_unframer_fuzzer resynchroniser_fuzzer)
if(MQTT_HARNESS_FUZZ)
  get_target_property(capture_sources mqtt_capture SOURCES)  # the library's own list, so the two never drift
  list(TRANSFORM capture_sources PREPEND ${PROJECT_SOURCE_DIR}/harness/capture/)
  add_library(mqtt_capture_fuzzing STATIC ${capture_sources})
  target_include_directories(mqtt_capture_fuzzing PUBLIC ${PROJECT_SOURCE_DIR}/harness ${CMAKE_CURRENT_SOURCE_DIR})
  target_compile_options(mqtt_capture_fuzzing PUBLIC -g -O1 -fsanitize=fuzzer-no-link,address,undefined
                         -fno-sanitize-recover=undefined)
  target_link_libraries(mqtt_capture_fuzzing PUBLIC mqtt_history mqtt_codec PkgConfig::PCAP)
  foreach(fuzzer ${MQTT_CAPTURE_FUZZERS})
    add_executable(${fuzzer} ${fuzzer}.cpp)
    target_compile_options(${fuzzer} PRIVATE -fsanitize=fuzzer)
    target_link_libraries(${fuzzer} PRIVATE mqtt_capture_fuzzing)
    target_link_options(${fuzzer} PRIVATE -fsanitize=fuzzer,address,undefined)
  endforeach()
else()
  add_executable(fuzz_capture_corpus_generator EXCLUDE_FROM_ALL capture_corpus_generator.cpp)
  target_link_libraries(fuzz_capture_corpus_generator PRIVATE mqtt_capture_test_support)
  target_compile_definitions(fuzz_capture_corpus_generator PRIVATE
                             MQTT_CAPTURE_TEST_DATA="${PROJECT_SOURCE_DIR}/tests/capture/data")
  find_program(MQTT_CLANG_14_FOR_CAPTURES clang++-14)
  if(MQTT_CLANG_14_FOR_CAPTURES)
    add_test(NAME fuzz.captures COMMAND ${PROJECT_SOURCE_DIR}/ci/fuzz-captures.sh 10)
    set_tests_properties(fuzz.captures PROPERTIES TIMEOUT 900
                         ENVIRONMENT "FUZZ_BUILD_DIR=${CMAKE_BINARY_DIR}/build-fuzz-captures")
    mqtt_cpu_bound_tests(fuzz fuzz.captures)
  endif()
endif()
