# The allocator linked into the harness's executables.
#
# A fleet run allocates per packet event on the fleet's thread and frees it on the judging thread; with glibc's
# malloc about a tenth of a fan-in run's CPU went to malloc/free and malloc_consolidate. jemalloc (Debian's
# libjemalloc-dev) keeps a cache per thread and took about 9 % off the whole run's CPU (docs/benchmarks.md,
# "The allocator"). The sanitizers bring their own allocator, so sanitized and fuzzing builds keep the system one.
#
#   -DMQTT_HARNESS_ALLOCATOR=jemalloc (default) | system
set(MQTT_HARNESS_ALLOCATOR "jemalloc" CACHE STRING "Allocator linked into the executables: jemalloc or system")
set_property(CACHE MQTT_HARNESS_ALLOCATOR PROPERTY STRINGS jemalloc system)

set(mqtt_allocator_sanitized OFF)
if(CMAKE_BUILD_TYPE STREQUAL "Sanitize" OR CMAKE_CXX_FLAGS MATCHES "-fsanitize" OR MQTT_HARNESS_FUZZ)
  set(mqtt_allocator_sanitized ON)
endif()

if(MQTT_HARNESS_ALLOCATOR STREQUAL "jemalloc" AND NOT mqtt_allocator_sanitized)
  pkg_check_modules(JEMALLOC IMPORTED_TARGET jemalloc)
  if(NOT JEMALLOC_FOUND)
    message(FATAL_ERROR "MQTT_HARNESS_ALLOCATOR=jemalloc needs libjemalloc-dev (ci/setup.sh --build installs it); "
                        "or configure with -DMQTT_HARNESS_ALLOCATOR=system")
  endif()
  message(STATUS "allocator: jemalloc ${JEMALLOC_VERSION}")
elseif(MQTT_HARNESS_ALLOCATOR STREQUAL "jemalloc" OR MQTT_HARNESS_ALLOCATOR STREQUAL "system")
  message(STATUS "allocator: the system's (glibc)")
else()
  message(FATAL_ERROR "MQTT_HARNESS_ALLOCATOR must be jemalloc or system, not '${MQTT_HARNESS_ALLOCATOR}'")
endif()

# Links the chosen allocator into an executable (libraries never choose it: the program does).
function(mqtt_use_allocator target)
  if(TARGET PkgConfig::JEMALLOC)
    target_link_libraries(${target} PRIVATE PkgConfig::JEMALLOC)
  endif()
endfunction()
