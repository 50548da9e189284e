# Shared settings for driftd's own targets (not applied to third-party code).
set(DRIFTD_WARNINGS -Wall -Wextra -Werror -Wno-error=deprecated-declarations)

if(DRIFTD_FUZZ)
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
if(DRIFTD_SANITIZE MATCHES "thread" AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  # GCC warns that TSan does not model std::atomic_thread_fence (Boost.Asio uses it); the
  # warning is about TSan's precision, not a defect, and would fail the -Werror build.
  list(APPEND DRIFTD_WARNINGS -Wno-tsan)
endif()
if(DRIFTD_SANITIZE)
  add_compile_options(-fsanitize=${DRIFTD_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${DRIFTD_SANITIZE})
endif()

# driftd_module(<dir> [DEPS ...] [PRIVATE_DEPS ...]) declares the static library driftd_<dir>
# (alias driftd::<dir>) from <dir>/src/*.cpp with public headers in <dir>/include.
function(driftd_module dir)
  cmake_parse_arguments(M "" "" "DEPS;PRIVATE_DEPS" ${ARGN})
  file(GLOB_RECURSE srcs CONFIGURE_DEPENDS "${CMAKE_CURRENT_SOURCE_DIR}/src/*.cpp")
  if(NOT srcs)  # a module still being written: nothing to link yet
    add_library(driftd_${dir} INTERFACE)
    add_library(driftd::${dir} ALIAS driftd_${dir})
    target_include_directories(driftd_${dir} INTERFACE "${CMAKE_CURRENT_SOURCE_DIR}/include")
    target_link_libraries(driftd_${dir} INTERFACE ${M_DEPS})
    return()
  endif()
  add_library(driftd_${dir} STATIC ${srcs})
  add_library(driftd::${dir} ALIAS driftd_${dir})
  target_include_directories(driftd_${dir} PUBLIC "${CMAKE_CURRENT_SOURCE_DIR}/include"
                                            PRIVATE "${CMAKE_CURRENT_SOURCE_DIR}/src")
  target_compile_options(driftd_${dir} PRIVATE ${DRIFTD_WARNINGS})
  target_link_libraries(driftd_${dir} PUBLIC ${M_DEPS} PRIVATE ${M_PRIVATE_DEPS})
endfunction()
