# Every parser under fuzzing, and every strategy on fuzzed groups.
#
# Each target is one file, tests/fuzz_NAME.c, defining LLVMFuzzerTestOneInput,
# and is built two ways:
#
#   fuzz_NAME_replay  always: linked with fuzz_replay.c, whose main feeds it
#                     the seed corpus tests/fuzz/NAME (and extra folders), so
#                     ctest replays every seed and crash reproducer on every
#                     build, with any compiler.
#   fuzz_NAME         with KA_FUZZ=ON and clang: the libFuzzer binary. The
#                     project's libraries are then compiled with coverage
#                     instrumentation (-fsanitize=fuzzer-no-link) so the
#                     fuzzer sees inside them; pair with KA_SANITIZE=ON.
#
# scripts/fuzz builds them all and runs each for a given time.

set(ka_fuzz_clang OFF)
if(KA_FUZZ)
  if(CMAKE_C_COMPILER_ID MATCHES "Clang")
    set(ka_fuzz_clang ON)
    foreach(lib kassign_lib kassign_datasets kassign_sim kassign_runfile kassign_cli
        kassign_cmd_import)
      if(TARGET ${lib})
        target_compile_options(${lib} PRIVATE -fsanitize=fuzzer-no-link)
      endif()
    endforeach()
  else()
    message(WARNING "KA_FUZZ needs clang (CC=clang): only the corpus replays are built")
  endif()
endif()

# ka_fuzz_target(NAME LIBS lib... [DIRS extra corpus folders...])
function(ka_fuzz_target name)
  cmake_parse_arguments(F "" "" "LIBS;DIRS" ${ARGN})
  add_executable(fuzz_${name}_replay fuzz_${name}.c fuzz_replay.c)
  target_include_directories(fuzz_${name}_replay PRIVATE ${PROJECT_SOURCE_DIR})
  target_link_libraries(fuzz_${name}_replay PRIVATE ${F_LIBS} ka_warnings)
  add_test(NAME fuzz_${name}_replay
    COMMAND fuzz_${name}_replay ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/${name} ${F_DIRS})
  if(ka_fuzz_clang)
    add_executable(fuzz_${name} fuzz_${name}.c)
    target_include_directories(fuzz_${name} PRIVATE ${PROJECT_SOURCE_DIR})
    target_compile_options(fuzz_${name} PRIVATE -g -fsanitize=fuzzer)
    target_link_options(fuzz_${name} PRIVATE -fsanitize=fuzzer)
    target_link_libraries(fuzz_${name} PRIVATE ${F_LIBS} ka_warnings)
  endif()
endfunction()

ka_fuzz_target(scenario LIBS kassign_datasets
  DIRS ${CMAKE_CURRENT_SOURCE_DIR}/data/bad ${CMAKE_CURRENT_SOURCE_DIR}/data/good)
ka_fuzz_target(json LIBS kassign_datasets PkgConfig::JANSSON
  DIRS ${CMAKE_CURRENT_SOURCE_DIR}/data/bad ${CMAKE_CURRENT_SOURCE_DIR}/data/good)
ka_fuzz_target(assignment LIBS kassign_datasets)
ka_fuzz_target(strategies LIBS kassign_datasets)
ka_fuzz_target(plan LIBS kassign_sim PkgConfig::JANSSON)
ka_fuzz_target(runfile LIBS kassign_runfile PkgConfig::JANSSON
  DIRS ${CMAKE_CURRENT_SOURCE_DIR}/data/run)
ka_fuzz_target(import LIBS kassign_cmd_import)

# Inputs the fuzzers found that still fail, kept as reproducers in
# tests/fuzz/findings/NAME until their fix lands: name NAME here and the
# folder replays as a test registered disabled (ctest lists it as "Not Run
# (Disabled)"); once fixed, the input moves into tests/fuzz/NAME as a
# regression seed and NAME leaves this list. None is pending.
set(ka_fuzz_pending "")
foreach(name ${ka_fuzz_pending})
  add_test(NAME fuzz_${name}_findings
    COMMAND fuzz_${name}_replay ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/findings/${name})
  set_tests_properties(fuzz_${name}_findings PROPERTIES DISABLED TRUE)
endforeach()
