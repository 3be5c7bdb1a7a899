/* Topics "diffold" and "diffnew": two builds of this one file for
 * `btfgen diff`, the second with -DDIFF_NEW. They differ by
 * always_inline / noinline / static (and, for the signature and location
 * cases, a parameter or a use of one) on chosen functions, one function per
 * kind of difference:
 *
 *   f_inl     out-of-line -> fully inlined     (noinline -> always_inline)
 *   f_part    out-of-line -> partially inlined (noinline -> plain global)
 *   f_out     fully inlined -> out-of-line     (always_inline -> noinline)
 *   f_static  fully inlined -> partially       (static -> global)
 *   f_sites   inlined at 2 sites -> 3 sites
 *   f_clone   out-of-line -> gcc clone f_clone.constprop.0 (noclone dropped)
 *   f_sig     signature (int a, int b) -> (int a, long b, int c)
 *   f_loc     parameter b used -> unused: its location becomes unavailable
 *   f_loc2    parameter b unused -> used: its location becomes available
 *   f_gone    only in the old build;  f_added  only in the new one
 *   f_same, f_same_inl  unchanged
 */
#include "common.h"

#ifdef DIFF_NEW
#define OLD_NEW(o, n) n
#else
#define OLD_NEW(o, n) o
#endif

#if defined(__clang__)
#define NOCLONE
#else
#define NOCLONE __attribute__((noclone))
#endif

OLD_NEW(static NOINLINE, static ALWAYS_INLINE) int f_inl(int a, int b)
{
	sink_i(a);
	sink_i(b);
	return a + b;
}

OLD_NEW(NOINLINE int, int) f_part(int x)
{
	sink_i(x);
	return x + 1;
}

OLD_NEW(static ALWAYS_INLINE, static NOINLINE) long f_out(long v, int k)
{
	sink_l(v);
	sink_i(k);
	return v * k;
}

/* Called once: gcc and clang inline a static function called once and
 * keep no copy; a global one keeps its out-of-line copy too. */
OLD_NEW(static, ) int f_static(int s);
OLD_NEW(static, ) int f_static(int s)
{
	sink_i(s);
	sink_i(s * 3);
	return s - 1;
}

static ALWAYS_INLINE int f_sites(int a, int b)
{
	sink_i(a);
	sink_i(b);
	return a ^ b;
}

/* Always called with mode == 4: gcc makes f_clone.constprop.0 unless told not to. */
OLD_NEW(static NOINLINE NOCLONE, static NOINLINE) long f_clone(long v, int mode)
{
	long r = v;
	for (int i = 0; i < mode; i++) {
		r = r * 31 + i;
		sink_l(r);
	}
	return r;
}

#ifdef DIFF_NEW
NOINLINE int f_sig(int a, long b, int c)
{
	sink_i(a);
	sink_l(b);
	sink_i(c);
	return a;
}
#else
NOINLINE int f_sig(int a, int b)
{
	sink_i(a);
	sink_i(b);
	return a;
}
#endif

static ALWAYS_INLINE int f_loc(int a, int b)
{
	sink_i(a);
#ifndef DIFF_NEW
	sink_i(b);
#else
	(void)b;
#endif
	return a;
}

static ALWAYS_INLINE int f_loc2(int a, int b)
{
	sink_i(a);
#ifdef DIFF_NEW
	sink_i(b);
#else
	(void)b;
#endif
	return a;
}

#ifdef DIFF_NEW
NOINLINE int f_added(int n)
{
	sink_i(n);
	return n;
}
#else
NOINLINE int f_gone(int n)
{
	sink_i(n);
	return n;
}
#endif

NOINLINE int f_same(int q)
{
	sink_i(q);
	return q * 2;
}

static ALWAYS_INLINE int f_same_inl(int u, int w)
{
	sink_i(u);
	sink_i(w);
	return u - w;
}

/* Loaded only for the b of f_loc/f_loc2: an unused b leaves no value to describe. */
int diff_g1, diff_g2;

int diff_main(int argc)
{
	int r = f_inl(argc, 2);
	r += f_inl(r, argc);
	r += f_part(argc);
	r += f_part(r);
	r += (int)f_out(argc, 3);
	r += (int)f_out(r, argc);
	r += f_static(argc + r);
	r += f_sites(argc, 1);
	r += f_sites(r, argc);
#ifdef DIFF_NEW
	r += f_sites(r, r + 1);
#endif
	r += (int)f_clone(r, 4);
	r += (int)f_clone(argc, 4);
#ifdef DIFF_NEW
	r += f_sig(argc, r, 1);
	r += f_added(r);
#else
	r += f_sig(argc, r);
	r += f_gone(r);
#endif
	r += f_loc(r, diff_g1);
	r += f_loc(r, diff_g2);
	r += f_loc2(r, diff_g1);
	r += f_loc2(r, diff_g2);
	r += f_same(r);
	r += f_same_inl(argc, r);
	return r;
}
