/* Topic "inline": the basic case. A static inline function inlined many
 * times, with constant arguments (DW_AT_const_value / DW_OP_lit*) at some
 * sites and register arguments (DW_OP_reg*) at others. */
#include "common.h"

static inline int scale(int value, int factor)
{
	sink_i(value);
	sink_i(factor);
	return value * factor;
}

static inline long add3(long a, long b, long c)
{
	sink_l(a + b);
	sink_l(c);
	return a + b + c;
}

NOINLINE int inline_regs(int x, int y)
{
	int r = scale(x, y);           /* register args */
	r += scale(y, 3);              /* register + constant */
	r += scale(5, 2);              /* both constant */
	return r;
}

NOINLINE long inline_many(long x)
{
	long r = 0;
	/* the same function inlined many times */
	r += add3(x, 1, 2);
	r += add3(x, 3, 4);
	r += add3(x + 1, x, 5);
	r += add3(r, x, 6);
	r += add3(r, r, 7);
	r += add3(x, r, 8);
	return r;
}

int inline_main(int argc)
{
	return inline_regs(argc, argc + 1) + (int)inline_many(argc);
}
