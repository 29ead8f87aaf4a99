# SIGPLAY_VERSION_STRING: what `sigplay --version` prints, fixed at configure
# time. In a git checkout it is `git describe --tags --always --dirty` with a
# leading "v" dropped (v0.2.0-3-gabc1234 -> 0.2.0-3-gabc1234); before the first
# tag, describe gives a bare commit, shown after the project version
# (0.1.0-gabc1234, -dirty with uncommitted changes). In a tree without git (a
# release tarball) it is PROJECT_VERSION.
set(SIGPLAY_VERSION_STRING ${PROJECT_VERSION})
find_package(Git QUIET)
if(GIT_FOUND)
  # Only this tree's own repository: a tarball unpacked inside some other
  # checkout must not take that checkout's version.
  execute_process(COMMAND ${GIT_EXECUTABLE} rev-parse --show-toplevel
    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
    OUTPUT_VARIABLE _sp_git_top RESULT_VARIABLE _sp_git_rc
    OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  if(_sp_git_rc EQUAL 0)
    file(REAL_PATH "${_sp_git_top}" _sp_git_top)
    file(REAL_PATH "${PROJECT_SOURCE_DIR}" _sp_src)
  endif()
  if(_sp_git_rc EQUAL 0 AND _sp_git_top STREQUAL _sp_src)
    execute_process(COMMAND ${GIT_EXECUTABLE} describe --tags --always --dirty
      WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
      OUTPUT_VARIABLE _sp_describe RESULT_VARIABLE _sp_git_rc
      OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
    if(_sp_git_rc EQUAL 0 AND _sp_describe MATCHES "^v?([0-9]+\\.[0-9]+.*)$")
      set(SIGPLAY_VERSION_STRING ${CMAKE_MATCH_1})
    elseif(_sp_git_rc EQUAL 0 AND _sp_describe MATCHES "^[0-9a-f]+(-dirty)?$")
      set(SIGPLAY_VERSION_STRING ${PROJECT_VERSION}-g${_sp_describe})
    elseif(_sp_git_rc EQUAL 0 AND NOT _sp_describe STREQUAL "")
      set(SIGPLAY_VERSION_STRING ${PROJECT_VERSION}-${_sp_describe})
    endif()
  endif()
endif()
message(STATUS "sigplay version: ${SIGPLAY_VERSION_STRING}")
