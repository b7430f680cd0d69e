# The shared library LIB exports the public API and nothing else: every
# function declared in HEADER (both tiers, KA_STATIC_LINKING_ONLY's
# included) is among `nm -D --defined-only LIB`'s text symbols, and no
# symbol the library defines for others is an internal ka__ name or any
# name the header does not declare.
cmake_minimum_required(VERSION 3.18)
file(READ ${HEADER} text)
# A declaration starts at a line's start with its return type; the name is
# the ka_ word right before the first parenthesis.
string(REGEX MATCHALL "\n[a-z][^(\n]*[ *]ka_[a-z0-9_]+[(]" decls "${text}")
set(declared "")
foreach(d IN LISTS decls)
  if(NOT d MATCHES "^\ntypedef" AND d MATCHES "(ka_[a-z0-9_]+)[(]$")
    list(APPEND declared ${CMAKE_MATCH_1})
  endif()
endforeach()
list(LENGTH declared n_declared)
if(n_declared LESS 40)
  message(FATAL_ERROR "found only ${n_declared} functions in ${HEADER}: the pattern is out of date")
endif()

execute_process(COMMAND ${NM} -D --defined-only ${LIB} RESULT_VARIABLE rc
  OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${NM} -D --defined-only ${LIB} failed (${rc}): ${err}")
endif()
string(REPLACE "\n" ";" out "${out}")
set(exported "")
set(bad "")
foreach(line IN LISTS out)
  if(line MATCHES "^[0-9a-f]* *([A-Za-z]) (.+)$")
    set(kind ${CMAKE_MATCH_1})
    set(name ${CMAKE_MATCH_2})
    list(APPEND exported ${name})
    if(name MATCHES "^ka__" OR NOT name IN_LIST declared)
      list(APPEND bad "${kind} ${name}")
    endif()
  endif()
endforeach()
set(missing "")
foreach(f IN LISTS declared)
  if(NOT f IN_LIST exported)
    list(APPEND missing ${f})
  endif()
endforeach()
if(bad OR missing)
  list(LENGTH bad n_bad)
  string(REPLACE ";" "\n  " bad "${bad}")
  string(REPLACE ";" "\n  " missing "${missing}")
  message(FATAL_ERROR "${LIB}: ${n_bad} exported symbols not in the public API:\n  ${bad}\n"
    "public functions not exported:\n  ${missing}")
endif()
list(LENGTH exported n_exported)
message(STATUS "${LIB}: exports exactly the ${n_declared} public functions (${n_exported} symbols)")
