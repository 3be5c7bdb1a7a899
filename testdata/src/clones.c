/* Topic "clones": out-of-line functions whose calling convention the
 * optimiser changed (gcc: foo.part.N from partial inlining, foo.isra.N from
 * scalar replacement of aggregates, foo.constprop.N from constant
 * propagation, foo.cold from hot/cold splitting) and functions/inlined
 * bodies whose code is split into several ranges (DW_AT_ranges). clang does
 * not make such clones; its objects still cover the ranges cases. */
#include "common.h"

struct ctx { long a; long b; long c; int flags; };

/* partial inlining: cheap early exit inlined, heavy body -> big.part.0 */
static int big(struct ctx *c, int n)
{
	if (__builtin_expect(!c || n <= 0, 1))
		return 0;
	long acc = 0;
	for (int i = 0; i < n; i++) {
		acc += c->a * i + c->b;
		if (acc & 1)
			sink_l(acc);
		acc ^= c->c << (i & 7);
		sink_i(i);
		if (acc > 1000) {
			sink_l(acc / 3);
			sink_l(acc % 7);
			acc -= c->b * 5;
		}
		switch (acc & 3) {
		case 0: sink_i(10); break;
		case 1: sink_l(acc * 11); break;
		case 2: sink_l(c->c + acc); break;
		default: sink_i(c->flags); break;
		}
	}
	c->a = acc;
	sink_l(acc);
	sink_l(acc * 3);
	sink_l(acc * 5 + c->b);
	sink_l(acc * 7 + c->c);
	return (int)acc;
}

/* isra: only one field of the struct is read -> field passed directly */
static NOINLINE long only_b(struct ctx *c, long k)
{
	long b = c->b;
	sink_l(k);
	sink_l(b);
	return b * k;
}

/* constprop: always called with mode == 4 */
static NOINLINE long with_mode(long v, int mode)
{
	long r = v;
	for (int i = 0; i < mode; i++) {
		r = r * 31 + i;
		sink_l(r);
	}
	return r;
}

/* hot/cold split: unlikely branch calls a cold function -> .cold part and
 * DW_AT_ranges on the function (and on inlined bodies spanning both). */
__attribute__((cold)) NOINLINE void report_error(int code)
{
	sink_i(code);
	sink_i(-code);
}

static inline int checked(int v, int limit)
{
	if (__builtin_expect(v > limit, 0)) {
		report_error(v);
		sink_i(limit);
		return -1;
	}
	sink_i(v);
	return v;
}

NOINLINE int clones_hotcold(int v)
{
	int r = checked(v, 100);
	r += checked(v + 1, 200);
	if (__builtin_expect(r < -1, 0)) {
		report_error(r);
		sink_i(v * 7);
	}
	return r;
}

NOINLINE long clones_callers(struct ctx *c, int n)
{
	long r = big(c, n);
	r += big(c, n + 1);
	r += big(c, 3);
	r += big(c, n * 2);
	r += big(c, n - 1);
	r += only_b(c, n);
	r += only_b(c, 11);
	r += with_mode(r, 4);
	r += with_mode(n, 4);
	return r;
}

int clones_main(int argc)
{
	struct ctx c = { argc, 2, 3, 0 };
	return (int)clones_callers(&c, argc) + clones_hotcold(argc);
}
