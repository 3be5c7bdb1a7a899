/* Topic "entryval": parameters whose register is clobbered by a call before
 * the inline site, so the location is DW_OP_entry_value(DW_OP_regN) (gcc:
 * DW_OP_GNU_entry_value in DWARF 4), and call sites with
 * DW_TAG_call_site_parameter giving the caller's value. */
#include "common.h"

static inline void trace2(int a, long b)
{
	sink_i(a);
	sink_l(b);
}

static inline void trace_late(long a)
{
	sink_i(1);   /* a is not needed by the code, only by the debugger */
	(void)a;
}

/* After sink_i(0), RDI/RSI no longer hold x/y; the inlined trace2 at the
 * end still refers to them by their entry values when they were not saved. */
NOINLINE void entryval_clobber(int x, long y)
{
	sink_i(0);
	sink_l(2);
	trace2(x, y);
}

NOINLINE void entryval_unused(long a, long b)
{
	sink_l(b);
	trace_late(a);      /* a: only its entry value is known here */
	trace_late(a + 1);  /* a+1: entry_value(reg) + 1, stack_value */
}

NOINLINE long entryval_callee(long p, long q)
{
	(void)p;
	sink_l(q);
	return q;
}

NOINLINE long entryval_caller(long v)
{
	/* call site parameters for p (constant) and q (register) */
	long r = entryval_callee(5, v);
	r += entryval_callee(v, 0x123456789L);
	return r;
}

int entryval_main(int argc)
{
	entryval_clobber(argc, argc * 2L);
	entryval_unused(argc, argc + 1);
	return (int)entryval_caller(argc);
}
