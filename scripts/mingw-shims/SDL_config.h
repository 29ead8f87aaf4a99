/* SDL_config.h for the MinGW compile gate (scripts/mingw_gate.sh).
 *
 * Why a shim: Debian's SDL_config.h forwards to the configuration its
 * Linux build generated (HAVE_* for glibc, X11/Wayland drivers). SDL's
 * public headers read only the C-library part of it (SDL_stdinc.h: which
 * standard headers and functions to use), so this file states that part
 * as a MinGW-w64 build of SDL2 has it (a full C library, as in MSYS2's
 * mingw-w64-x86_64-SDL2), and the Windows drivers for the record. It
 * declares no function and stands in for no code: the SDL functions
 * sigplay calls are declared by SDL's own, unchanged headers.
 */
#ifndef SDL_config_h_
#define SDL_config_h_

#include "SDL_platform.h"

#define SIZEOF_VOIDP 8
#define HAVE_LIBC 1
#define STDC_HEADERS 1
#define HAVE_STDARG_H 1
#define HAVE_STDDEF_H 1
#define HAVE_STDINT_H 1
#define HAVE_STDIO_H 1
#define HAVE_STDLIB_H 1
#define HAVE_STRING_H 1
#define HAVE_WCHAR_H 1
#define HAVE_INTTYPES_H 1
#define HAVE_LIMITS_H 1
#define HAVE_CTYPE_H 1
#define HAVE_MATH_H 1
#define HAVE_FLOAT_H 1
#define HAVE_SIGNAL_H 1
#define HAVE_MALLOC 1
#define HAVE_CALLOC 1
#define HAVE_REALLOC 1
#define HAVE_FREE 1
#define HAVE_ALLOCA 1
#define HAVE_M_PI 1

/* the drivers a Windows SDL2 has (not read by the public headers) */
#define SDL_AUDIO_DRIVER_WASAPI 1
#define SDL_AUDIO_DRIVER_DSOUND 1
#define SDL_AUDIO_DRIVER_WINMM 1
#define SDL_VIDEO_DRIVER_WINDOWS 1
#define SDL_THREAD_WINDOWS 1
#define SDL_TIMER_WINDOWS 1
#define SDL_LOADSO_WINDOWS 1
#define SDL_FILESYSTEM_WINDOWS 1

#endif
