/* Topic "stack": arguments that live in memory or are addresses of the
 * frame. An inlined parameter whose own address escapes lives in a stack
 * slot (DW_OP_fbreg off / DW_OP_bregN off, memory); a pointer to a local
 * passed to an inline function is "frame base + offset" as a value
 * (DW_OP_fbreg off, DW_OP_stack_value / DW_OP_breg7 RSP+off, stack_value);
 * register pressure forces spills. */
#include "common.h"

struct big { long a, b, c, d, e; };

static inline void by_addr(int v, long w)
{
	sink_p(&v);      /* v must live in memory */
	sink_p(&w);
	sink_l(v + w);
}

static inline void use_ptr(int *p, long *q)
{
	sink_p(p);
	sink_p(q);
	sink_i(*p);
}

static inline long use_big(struct big b, long k)
{
	sink_p(&b);
	sink_l(b.a + b.e + k);
	return b.c;
}

NOINLINE int stack_addr_of_param(int x, long y)
{
	by_addr(x, y);
	by_addr(x + 1, 9);
	return x;
}

NOINLINE int stack_ptr_to_local(int x)
{
	int local = x * 3;
	long other = x + 11;
	use_ptr(&local, &other);   /* &local: frame base + off, stack_value */
	local += 1;
	use_ptr(&local, &other);
	return local + (int)other;
}

NOINLINE long stack_big(long x)
{
	struct big b = { x, x + 1, x + 2, x + 3, x + 4 };
	return use_big(b, x);
}

/* Many live values across calls: forces spills to the stack. */
static inline long pressure(long a, long b, long c, long d, long e, long f,
			    long g, long h)
{
	sink_l(a);
	sink_l(b + c);
	sink_l(d + e + f);
	sink_l(g * h);
	return a + b + c + d + e + f + g + h;
}

NOINLINE long stack_spill(long a, long b, long c, long d, long e, long f,
			  long g, long h, long i, long j)
{
	long r = pressure(a, b, c, d, e, f, g, h);
	r += pressure(j, i, h, g, f, e, d, c);
	r += pressure(a * b, c * d, e * f, g * h, i * j, a + j, b + i, r);
	return r + a + b + c + d + e + f + g + h + i + j;
}

int stack_main(int argc)
{
	return stack_addr_of_param(argc, argc) + stack_ptr_to_local(argc) +
	       (int)stack_big(argc) +
	       (int)stack_spill(argc, 2, 3, 4, 5, 6, 7, 8, 9, 10);
}
