# Run by ctest (through TEST_INCLUDE_FILES, see SoulboxTestCases.cmake): lists the cases of one
# suite binary and declares a test for each. A binary that is missing or cannot list its cases
# becomes one failing test, so a broken build never looks like an empty, passing suite.
set(case_args)
if(case_filter)
  list(APPEND case_args "--test-case=${case_filter}")
endif()
if(case_exclude)
  list(APPEND case_args "--test-case-exclude=${case_exclude}")
endif()
execute_process(COMMAND ${case_launcher} ${case_binary} ${case_args} --list-test-cases
  OUTPUT_VARIABLE case_output ERROR_VARIABLE case_error RESULT_VARIABLE case_rc)
if(NOT case_rc EQUAL 0 OR NOT EXISTS "${case_binary}")
  add_test([==[${case_prefix}: listing the cases]==] ${case_launcher} ${case_binary}
    ${case_args} --list-test-cases)
  return()
endif()
string(REPLACE ";" "\\;" case_output "${case_output}")
string(REPLACE "\n" ";" case_lines "${case_output}")
set(case_count 0)
foreach(case_name IN LISTS case_lines)
  if(case_name STREQUAL "" OR case_name MATCHES "^\\[doctest\\] " OR case_name MATCHES "^=+$")
    continue()
  endif()
  # doctest filters split on commas and treat \ as an escape.
  string(REPLACE "\\" "\\\\" case_filter_name "${case_name}")
  string(REPLACE "," "\\," case_filter_name "${case_filter_name}")
  set(case_test "${case_prefix}: ${case_name}")
  add_test("${case_test}" ${case_launcher} ${case_binary} "--test-case=${case_filter_name}")
  set_tests_properties("${case_test}" PROPERTIES TIMEOUT ${case_timeout} SKIP_RETURN_CODE 77
    LABELS "${case_labels}" ENVIRONMENT "${case_environment}")
  math(EXPR case_count "${case_count} + 1")
endforeach()
if(case_count EQUAL 0)
  add_test([==[${case_prefix}: no cases found]==] false)
endif()
