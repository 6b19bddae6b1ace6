# Each doctest case of a suite becomes its own ctest test, with its own timeout and result; a
# case that skips exits 77 (tests/support/skip.hpp), which ctest reports as skipped. The list is
# read from the built binary when ctest starts (cmake/soulbox_list_cases.cmake), so adding a
# case needs no re-configure.
#
#   soulbox_add_cases(TARGET PREFIX name [TIMEOUT s] [CASES filter] [EXCLUDE filter]
#                     [LAUNCHER cmd...] [LABELS l...] [ENVIRONMENT VAR=value...])
# CASES / EXCLUDE are doctest filters (-tc / -tce). LAUNCHER runs before the binary (e.g. a
# script that drops to nobody); it is used for listing too.
function(soulbox_add_cases target)
  cmake_parse_arguments(arg "" "PREFIX;TIMEOUT;CASES;EXCLUDE" "LAUNCHER;LABELS;ENVIRONMENT"
    ${ARGN})
  if(NOT arg_PREFIX)
    message(FATAL_ERROR "soulbox_add_cases(${target}): PREFIX is required")
  endif()
  if(NOT arg_TIMEOUT)
    set(arg_TIMEOUT 120)
  endif()
  set(script ${CMAKE_CURRENT_BINARY_DIR}/cases_${arg_PREFIX}.cmake)
  file(GENERATE OUTPUT ${script} CONTENT "\
set(case_binary [==[$<TARGET_FILE:${target}>]==])
set(case_prefix [==[${arg_PREFIX}]==])
set(case_filter [==[${arg_CASES}]==])
set(case_exclude [==[${arg_EXCLUDE}]==])
set(case_launcher [==[${arg_LAUNCHER}]==])
set(case_timeout [==[${arg_TIMEOUT}]==])
set(case_labels [==[${arg_LABELS}]==])
set(case_environment [==[${arg_ENVIRONMENT}]==])
include([==[${PROJECT_SOURCE_DIR}/cmake/soulbox_list_cases.cmake]==])
")
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES ${script})
endfunction()
