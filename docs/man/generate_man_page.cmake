# Writes the man page from docs/man/mqtt-harness.1.in and the binary's --help texts, so it cannot drift from the
# options. Usage: cmake -DBINARY=... -DTEMPLATE=... -DOUTPUT=... -P generate_man_page.cmake
set(commands conform probe list report broker inspect convert replay simulate)

# Text shown verbatim in groff: backslashes escaped, hyphens as \- (so they copy as ASCII), and a line starting
# with '.' or '\'' guarded so groff does not read it as a request.
function(as_groff text result)
  string(REPLACE "\\" "\\e" text "${text}")
  string(REPLACE "-" "\\-" text "${text}")
  string(REGEX REPLACE "(^|\n)([.'])" "\\1\\\\&\\2" text "${text}")
  set(${result} "${text}" PARENT_SCOPE)
endfunction()

function(help_of arguments result)
  execute_process(COMMAND ${BINARY} ${arguments} --help OUTPUT_VARIABLE text RESULT_VARIABLE code)
  if(NOT code EQUAL 0)
    message(FATAL_ERROR "${BINARY} ${arguments} --help failed (${code})")
  endif()
  set(${result} "${text}" PARENT_SCOPE)
endfunction()

help_of("" top)
string(FIND "${top}" "Exit codes:\n" at)
if(at EQUAL -1)
  message(FATAL_ERROR "${BINARY} --help has no exit-code table")
endif()
string(SUBSTRING "${top}" ${at} -1 exit_codes)
string(REGEX REPLACE "^Exit codes:\n" "" exit_codes "${exit_codes}")
string(STRIP "${exit_codes}" exit_codes)
as_groff("${exit_codes}" EXIT_CODES)

set(COMMANDS "")
foreach(command IN LISTS commands)
  help_of("${command}" text)
  string(FIND "${text}" "Exit codes:\n" at)
  if(NOT at EQUAL -1)
    string(SUBSTRING "${text}" 0 ${at} text)
  endif()
  string(STRIP "${text}" text)
  as_groff("${text}" text)
  string(APPEND COMMANDS ".SS ${command}\n.nf\n${text}\n.fi\n")
endforeach()

execute_process(COMMAND ${BINARY} --version OUTPUT_VARIABLE version OUTPUT_STRIP_TRAILING_WHITESPACE)
string(REGEX REPLACE "^mqtt-harness " "" VERSION "${version}")
configure_file(${TEMPLATE} ${OUTPUT} @ONLY)
