/* vm_hwm.h - the process's peak resident set, for tests that show a
 * refused input was refused before it was allocated. Linux only (>= 4.0):
 * elsewhere vm_hwm_reset() is false and the tests skip the measure. */
#ifndef SP_TEST_VM_HWM_H
#define SP_TEST_VM_HWM_H

#include <stdbool.h>

#ifdef __linux__
#define VM_HWM_AVAILABLE 1 /* where a failed reset is a failed test */
#else
#define VM_HWM_AVAILABLE 0
#endif

/* Resets the peak to the current resident set; false where it cannot. */
bool vm_hwm_reset(void);

/* Peak resident set, kB, since the last vm_hwm_reset(); -1 if unknown. */
long vm_hwm_kb(void);

#endif
