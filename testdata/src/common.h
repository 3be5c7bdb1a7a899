/* Shared declarations for the btfgen fixture corpus.
 * The sink_* functions live in main.c (a separate translation unit), so the
 * compiler cannot see through them: arguments passed to them stay live and
 * get real DWARF locations at every inlined call site. */
#ifndef BTFGEN_FIXTURE_COMMON_H
#define BTFGEN_FIXTURE_COMMON_H
#include <stdint.h>

#define NOINLINE __attribute__((noinline))
#define ALWAYS_INLINE inline __attribute__((always_inline))

void sink_i(int v);
void sink_l(long v);
void sink_u64(uint64_t v);
void sink_p(const void *p);
void sink_d(double v);
void sink_f(float v);
long source_l(void);
int source_i(void);

/* One entry point per topic, called from main.c. */
int inline_main(int argc);
int const_main(int argc);
int stack_main(int argc);
int struct16_main(int argc);
int nested_main(int argc);
int clones_main(int argc);
int entryval_main(int argc);
int variadic_main(int argc);
int addr_main(int argc);
int float_main(int argc);
int types_main(int argc);
#endif
