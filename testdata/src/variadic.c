/* Topic "variadic": variadic functions (DW_TAG_unspecified_parameters), one
 * out-of-line and one always-inlined into its callers. */
#include "common.h"
#include <stdarg.h>

NOINLINE long vsum(int n, ...)
{
	va_list ap;
	long r = 0;
	va_start(ap, n);
	for (int i = 0; i < n; i++)
		r += va_arg(ap, long);
	va_end(ap);
	sink_l(r);
	return r;
}

/* gcc and clang can inline a variadic function that never uses va_start */
static ALWAYS_INLINE int logf_noargs(int level, const char *fmt, ...)
{
	sink_i(level);
	sink_p(fmt);
	return level;
}

NOINLINE long variadic_calls(long x)
{
	long r = vsum(3, x, x + 1, 7L);
	r += vsum(1, 5L);
	r += logf_noargs((int)x, "x=%ld", x);
	r += logf_noargs(2, "two");
	return r;
}

int variadic_main(int argc)
{
	return (int)variadic_calls(argc);
}
