# reinpool_sources(<var> <group>...): the absolute paths of the native/sources.txt entries of the
# given groups, in file order. Included by CMakeLists.txt and native/kernels/cuda/CMakeLists.txt;
# editing sources.txt re-runs the configure step.
set(REINPOOL_SOURCES_FILE ${CMAKE_CURRENT_LIST_DIR}/sources.txt)
get_filename_component(REINPOOL_SOURCES_ROOT ${CMAKE_CURRENT_LIST_DIR}/.. ABSOLUTE)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${REINPOOL_SOURCES_FILE})

function(reinpool_sources var)
  file(STRINGS ${REINPOOL_SOURCES_FILE} lines REGEX "^[a-z0-9_]+[ \t]+[^ \t#]+")
  set(out "")
  foreach(line IN LISTS lines)
    string(REGEX REPLACE "^([a-z0-9_]+)[ \t]+([^ \t#]+).*$" "\\1;\\2" pair "${line}")
    list(GET pair 0 group)
    list(GET pair 1 path)
    if(group IN_LIST ARGN)
      list(APPEND out ${REINPOOL_SOURCES_ROOT}/${path})
    endif()
  endforeach()
  if(NOT out)
    message(FATAL_ERROR "reinpool: no sources for group(s) ${ARGN} in ${REINPOOL_SOURCES_FILE}")
  endif()
  set(${var} ${out} PARENT_SCOPE)
endfunction()
