/* openssl/configuration.h for the MinGW compile gate (scripts/mingw_gate.sh).
 *
 * Why a shim: libwebsockets.h includes OpenSSL's headers (the library is
 * built with OpenSSL, on Debian as in MSYS2), and OpenSSL's configuration.h
 * is generated for the machine it was built on. Debian's (copied next to
 * this file as configuration_debian.h, used unchanged) is right for 64-bit
 * Windows but for one line: a Linux long is 64 bits (SIXTY_FOUR_BIT_LONG)
 * while a Windows long is 32, so OpenSSL's mingw64 target says
 * SIXTY_FOUR_BIT. That is all this file changes; it declares nothing.
 */
#ifndef SIGPLAY_GATE_OPENSSL_CONFIGURATION_H
#define SIGPLAY_GATE_OPENSSL_CONFIGURATION_H
#include "openssl/configuration_debian.h"
#undef SIXTY_FOUR_BIT_LONG
#define SIXTY_FOUR_BIT
#endif
