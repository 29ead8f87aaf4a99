# Desktop integration, the man page and the install rules. Included from the
# top-level CMakeLists.txt after the sigplay target exists. Everything that
# needs a tool beyond the compiler is skipped, with one message, when the tool
# is missing; to pretend a tool is missing, set its variable to OFF
# (-DSIGPLAY_HELP2MAN=OFF, -DSIGPLAY_RSVG_CONVERT=OFF -DSIGPLAY_MAGICK=OFF).

set(SIGPLAY_ICON_SIZES 16 32 48 64 128 256)
set(SIGPLAY_ICON_SVG ${PROJECT_SOURCE_DIR}/assets/icons/sigplay.svg)
set(SIGPLAY_DESKTOP_FILE ${PROJECT_SOURCE_DIR}/assets/sigplay.desktop)

# ---- PNG icons, rendered from the SVG at build time ------------------------
find_program(SIGPLAY_RSVG_CONVERT rsvg-convert DOC "librsvg's SVG to PNG converter")
find_program(SIGPLAY_MAGICK NAMES magick convert DOC "ImageMagick, for the PNG icons without rsvg-convert")
set(SIGPLAY_ICON_PNGS)
if(SIGPLAY_RSVG_CONVERT OR SIGPLAY_MAGICK)
  foreach(size ${SIGPLAY_ICON_SIZES})
    set(png ${PROJECT_BINARY_DIR}/icons/${size}x${size}/sigplay.png)
    if(SIGPLAY_RSVG_CONVERT)
      set(render ${SIGPLAY_RSVG_CONVERT} --width=${size} --height=${size} --output=${png}
        ${SIGPLAY_ICON_SVG})
    else()
      set(render ${SIGPLAY_MAGICK} -background none ${SIGPLAY_ICON_SVG} -resize ${size}x${size}
        ${png})
    endif()
    add_custom_command(OUTPUT ${png}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${PROJECT_BINARY_DIR}/icons/${size}x${size}
      COMMAND ${render}
      DEPENDS ${SIGPLAY_ICON_SVG}
      COMMENT "Rendering the ${size}x${size} icon"
      VERBATIM)
    list(APPEND SIGPLAY_ICON_PNGS ${png})
  endforeach()
  add_custom_target(icons ALL DEPENDS ${SIGPLAY_ICON_PNGS})
else()
  message(STATUS "sigplay: neither rsvg-convert (Debian: librsvg2-bin) nor ImageMagick found: "
    "the PNG icons are not built, only the SVG icon is installed")
endif()

# ---- man page, from `sigplay --help` and `sigplay --version` ---------------
find_program(SIGPLAY_HELP2MAN help2man DOC "help2man, for the man page")
set(SIGPLAY_MAN_PAGE ${PROJECT_BINARY_DIR}/sigplay.1)
if(SIGPLAY_HELP2MAN)
  add_custom_command(OUTPUT ${SIGPLAY_MAN_PAGE}
    COMMAND ${SIGPLAY_HELP2MAN} --no-info --section=1
      "--name=native replay player for online-classroom recordings"
      --include=${PROJECT_SOURCE_DIR}/assets/sigplay.h2m
      --output=${SIGPLAY_MAN_PAGE} $<TARGET_FILE:sigplay>
    DEPENDS sigplay ${PROJECT_SOURCE_DIR}/assets/sigplay.h2m
    COMMENT "Generating the man page sigplay.1 with help2man"
    VERBATIM)
  add_custom_target(man ALL DEPENDS ${SIGPLAY_MAN_PAGE})
else()
  message(STATUS "sigplay: help2man not found (Debian: help2man): the man page is not built")
endif()

# ---- install (cmake --install BUILD [--prefix DIR], DESTDIR honoured) ------
install(TARGETS sigplay RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
if(SIGPLAY_HELP2MAN)
  install(FILES ${SIGPLAY_MAN_PAGE} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
endif()
install(FILES ${SIGPLAY_DESKTOP_FILE} DESTINATION ${CMAKE_INSTALL_DATADIR}/applications)
install(FILES ${SIGPLAY_ICON_SVG}
  DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/scalable/apps)
foreach(png ${SIGPLAY_ICON_PNGS})
  get_filename_component(dir ${png} DIRECTORY)
  get_filename_component(size ${dir} NAME)
  install(FILES ${png} DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/${size}/apps)
endforeach()
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/LICENSE ${PROJECT_SOURCE_DIR}/NEWS.md
  DESTINATION ${CMAKE_INSTALL_DOCDIR})
# docs/ keeps its name, so the README's links (docs/*.md, the screenshot)
# resolve in the installed copy too.
file(GLOB SIGPLAY_DOCS CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/docs/*.md
  ${PROJECT_SOURCE_DIR}/docs/*.png)
install(FILES ${SIGPLAY_DOCS} DESTINATION ${CMAKE_INSTALL_DOCDIR}/docs)
# docs/batch.md links to its Kubernetes Job and Containerfile
install(DIRECTORY ${PROJECT_SOURCE_DIR}/docs/batch DESTINATION ${CMAKE_INSTALL_DOCDIR}/docs)
