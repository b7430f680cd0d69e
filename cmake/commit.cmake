# commit.cmake - run at build time (cmake -P) by the ka_commit target:
# writes OUT, a header defining KA_BUILD_COMMIT as `git describe --always
# --dirty` gives it now ("unknown" outside a git tree), and only when that
# changed, so a result file names the commit its binary was built from and a
# new commit recompiles the two files that include the header.
set(commit unknown)
if(GIT_EXECUTABLE)
  execute_process(COMMAND ${GIT_EXECUTABLE} describe --always --dirty
    WORKING_DIRECTORY ${SRC}
    OUTPUT_VARIABLE describe OUTPUT_STRIP_TRAILING_WHITESPACE
    RESULT_VARIABLE rc ERROR_QUIET)
  if(rc EQUAL 0 AND NOT describe STREQUAL "")
    set(commit ${describe})
  endif()
endif()
set(text "/* Written by cmake/commit.cmake at build time. */\n#define KA_BUILD_COMMIT \"${commit}\"\n")
set(old "")
if(EXISTS ${OUT})
  file(READ ${OUT} old)
endif()
if(NOT old STREQUAL text)
  file(WRITE ${OUT} "${text}")
endif()
