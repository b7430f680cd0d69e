# The scenario loader under fuzzing (tests/fuzz_scenario.c).
#
# fuzz_scenario_replay: always built; runs the fuzz function over the seed
# corpus (tests/data/bad and tests/data/good), so every seed, and every crash
# reproducer added there, is replayed by ctest under any compiler.
add_executable(fuzz_scenario_replay fuzz_scenario.c)
target_include_directories(fuzz_scenario_replay PRIVATE ${PROJECT_SOURCE_DIR})
target_link_libraries(fuzz_scenario_replay PRIVATE kassign_datasets ka_warnings)
add_test(NAME fuzz_scenario_replay
  COMMAND fuzz_scenario_replay ${CMAKE_CURRENT_SOURCE_DIR}/data/bad
          ${CMAKE_CURRENT_SOURCE_DIR}/data/good)

# fuzz_scenario: the libFuzzer binary (KA_FUZZ=ON, clang). The loader and the
# library are compiled again into it with coverage instrumentation: the
# regular static libraries are not instrumented, and a fuzzer blind to them
# would only see this one file.
if(KA_FUZZ)
  if(CMAKE_C_COMPILER_ID MATCHES "Clang")
    set(ka_fuzz_sources fuzz_scenario.c
      ${PROJECT_SOURCE_DIR}/datasets/scenario.c
      ${PROJECT_SOURCE_DIR}/datasets/assignment.c
      ${PROJECT_SOURCE_DIR}/datasets/jsondoc.c
      ${PROJECT_SOURCE_DIR}/datasets/names.c
      ${PROJECT_SOURCE_DIR}/datasets/wbuf.c)
    get_target_property(ka_lib_sources kassign_lib SOURCES)
    get_target_property(ka_lib_dir kassign_lib SOURCE_DIR)
    foreach(src ${ka_lib_sources})
      if(IS_ABSOLUTE "${src}")
        list(APPEND ka_fuzz_sources "${src}")
      else()
        list(APPEND ka_fuzz_sources "${ka_lib_dir}/${src}")
      endif()
    endforeach()
    add_executable(fuzz_scenario ${ka_fuzz_sources})
    target_compile_definitions(fuzz_scenario PRIVATE KA_LIBFUZZER)
    target_include_directories(fuzz_scenario PRIVATE ${PROJECT_SOURCE_DIR}
      ${ka_lib_dir}/include ${ka_lib_dir}/src)
    target_compile_options(fuzz_scenario PRIVATE -g -O1
      -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all)
    target_link_options(fuzz_scenario PRIVATE -fsanitize=fuzzer,address,undefined)
    target_link_libraries(fuzz_scenario PRIVATE PkgConfig::JANSSON ka_warnings m)
  else()
    message(WARNING "KA_FUZZ needs clang (CC=clang): fuzz_scenario is not built")
  endif()
endif()
