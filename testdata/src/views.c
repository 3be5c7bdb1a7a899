/* gcc location views (-gvariable-location-views, on by default): inline
 * instances whose body is optimised to nothing after the argument is
 * computed (the instance is an empty range [a, a), its parameters have an
 * empty-range location-list entry qualified by views, like the kernel's
 * ptr_to_compat), and parameters changed by the body without an instruction
 * (the entry in effect at the entry view is not the one covering the address).
 * Objects only: not linked into the all-* executables. */
#include "common.h"

/* Keeps the functions below off .text offset 0: in a DWARF 4 ET_REL object a
 * .debug_loc entry [0, 0) reads as the end of the list. */
NOINLINE void views_pad(void)
{
	sink_i(1);
}

static inline unsigned int to_u32(const void *p)
{
	return (unsigned int)(unsigned long)p;
}

NOINLINE void views_store(unsigned int *dst, const void *p, const void *q)
{
	dst[0] = to_u32(p);
	dst[1] = to_u32(q);
}

static inline int quarter(int x)
{
	x >>= 2;
	sink_i(x);
	return x + 1;
}

NOINLINE int views_quarter(int v)
{
	return quarter(v) + quarter(v + 8);
}

struct frame {
	unsigned int a, b;
};

NOINLINE void views_frame(struct frame *f, const void *p, long n)
{
	f->a = to_u32(p);
	sink_l(n);
	f->b = to_u32((const char *)p + n);
}
