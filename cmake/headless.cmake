# headless.cmake - what a headless tree (SIGPLAY_UI=OFF) leaves out.
#
#   sigplay_drop_when_headless(LIST_VAR REGEX)
#     when SIGPLAY_UI is OFF, removes from the list in LIST_VAR every file
#     that has a line matching REGEX (a file that needs the window: one
#     that includes ui/ code, a shell test that starts a virtual display);
#     does nothing when SIGPLAY_UI is ON.
function(sigplay_drop_when_headless list_var regex)
  if(SIGPLAY_UI)
    return()
  endif()
  set(kept)
  foreach(src ${${list_var}})
    file(STRINGS ${src} hit REGEX "${regex}")
    if(NOT hit)
      list(APPEND kept ${src})
    endif()
  endforeach()
  set(${list_var} ${kept} PARENT_SCOPE)
endfunction()
