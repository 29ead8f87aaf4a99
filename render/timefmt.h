/* timefmt.h - class times as people read them on screen. */
#ifndef SP_RENDER_TIMEFMT_H
#define SP_RENDER_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

/* Formats t_us as "m:ss", or "h:mm:ss" from one hour on, with '-' before a
 * negative time; whole seconds, rounded toward zero. Writes at most n bytes
 * (NUL included); 24 always suffice. NULL buf or n 0 writes nothing. */
void timefmt_clock_us(int64_t t_us, char *buf, size_t n);

#endif
