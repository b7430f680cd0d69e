# Installs BUILD into DIR/prefix and builds SRC/consumer.c against that copy
# only: with `pkg-config --cflags --libs kassign`, and with find_package in
# SRC/project (shared and static). SRC/opaque.c must fail to compile: the
# public header keeps ka_group opaque. FLAGS: extra compile and link flags
# (the sanitizers, when the library was built with them).
cmake_minimum_required(VERSION 3.18)
file(REMOVE_RECURSE ${DIR})
file(MAKE_DIRECTORY ${DIR})
set(prefix ${DIR}/prefix)
separate_arguments(flags UNIX_COMMAND "${FLAGS}")

function(run what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${what} failed (${rc}):\n${ARGN}\n${out}\n${err}")
  endif()
  set(run_out "${out}" PARENT_SCOPE)
endfunction()

run("cmake --install" ${CMAKE_COMMAND} --install ${BUILD} --prefix ${prefix})
file(GLOB_RECURSE pcs ${prefix}/*/kassign.pc)
list(LENGTH pcs n)
if(NOT n EQUAL 1)
  message(FATAL_ERROR "expected one installed kassign.pc, found: ${pcs}")
endif()
get_filename_component(pcdir ${pcs} DIRECTORY)
get_filename_component(libdir ${pcdir} DIRECTORY)
foreach(f ${libdir}/libkassign.a ${libdir}/libkassign.so ${prefix}/include/kassign/kassign.h
    ${libdir}/cmake/kassign/kassignConfig.cmake)
  if(NOT EXISTS ${f})
    message(FATAL_ERROR "not installed: ${f}")
  endif()
endforeach()

# pkg-config, the prefix found from where the .pc file lies.
set(ENV{PKG_CONFIG_PATH} ${pcdir})
run("pkg-config --modversion" pkg-config --modversion kassign)
string(STRIP "${run_out}" version)
if(NOT version STREQUAL VERSION)
  message(FATAL_ERROR "kassign.pc says version ${version}, the project ${VERSION}")
endif()
run("pkg-config --cflags --libs" pkg-config --cflags --libs kassign)
separate_arguments(pc UNIX_COMMAND "${run_out}")
run("cc with pkg-config" ${CC} -std=c17 -Wall -Werror ${flags} ${SRC}/consumer.c ${pc}
    -o ${DIR}/consumer_pc)
set(ENV{LD_LIBRARY_PATH} ${libdir})
run("the pkg-config program" ${DIR}/consumer_pc)

# The stable tier hides the model: reading a field does not compile.
execute_process(COMMAND ${CC} -std=c17 -c ${SRC}/opaque.c -I${prefix}/include -o ${DIR}/opaque.o
  RESULT_VARIABLE rc OUTPUT_QUIET ERROR_QUIET)
if(rc EQUAL 0)
  message(FATAL_ERROR "opaque.c compiled: ka_group's fields are visible without KA_STATIC_LINKING_ONLY")
endif()

# find_package.
string(JOIN " " cflags ${flags})
run("configure the find_package project" ${CMAKE_COMMAND} -S ${SRC}/project -B ${DIR}/project
    -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_C_COMPILER=${CC} "-DCMAKE_C_FLAGS=${cflags}"
    "-DCMAKE_EXE_LINKER_FLAGS=${cflags}")
run("build the find_package project" ${CMAKE_COMMAND} --build ${DIR}/project)
run("the find_package program (shared)" ${DIR}/project/consumer_shared)
run("the find_package program (static)" ${DIR}/project/consumer_static)
message(STATUS "installed libkassign ${version}: pkg-config and find_package programs pass")
