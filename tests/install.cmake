# cmake --install into a temporary prefix, then a small C program built
# against the installed copy alone: with pkg-config (shared library), with
# find_package(kassign) (shared and static), and a program that reads a
# ka_group field, which must not compile against the public header
# (tests/install/check.cmake).
if(KA_SANITIZE)
  set(ka_install_flags "-fsanitize=address,undefined")
endif()
add_test(NAME install.consumer
  COMMAND ${CMAKE_COMMAND} -DBUILD=${PROJECT_BINARY_DIR} -DSRC=${CMAKE_CURRENT_SOURCE_DIR}/install
          -DDIR=${CMAKE_CURRENT_BINARY_DIR}/install-check -DCC=${CMAKE_C_COMPILER}
          "-DFLAGS=${ka_install_flags}" -DVERSION=${PROJECT_VERSION}
          -P ${CMAKE_CURRENT_SOURCE_DIR}/install/check.cmake)
set_tests_properties(install.consumer PROPERTIES LABELS install TIMEOUT 300)

# The shared library exports the public API only (assignors/exports.map).
add_test(NAME install.exports
  COMMAND ${CMAKE_COMMAND} -DLIB=$<TARGET_FILE:kassign_shared>
          -DHEADER=${PROJECT_SOURCE_DIR}/assignors/include/kassign/kassign.h -DNM=${CMAKE_NM}
          -P ${CMAKE_CURRENT_SOURCE_DIR}/install/exports.cmake)
set_tests_properties(install.exports PROPERTIES LABELS install)
