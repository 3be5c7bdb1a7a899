/* Topic "nested": inline inside inline inside inline (3 and 4 deep); every
 * level is its own DW_TAG_inlined_subroutine with its own parameters. */
#include "common.h"

static inline int level3(int c, int d)
{
	sink_i(c);
	sink_i(d);
	return c ^ d;
}

static inline int level2(int b, int k)
{
	int r = level3(b, k);
	r += level3(b + 1, 7);
	sink_i(r);
	return r;
}

static inline int level1(int a)
{
	int r = level2(a, 3);
	r += level2(a * 2, a);
	return r;
}

static inline int level0(long z)
{
	sink_l(z);
	return level1((int)z + 5);
}

NOINLINE int nested3(int x)
{
	return level1(x);      /* level1 -> level2 -> level3 */
}

NOINLINE int nested4(long x)
{
	return level0(x);      /* level0 -> level1 -> level2 -> level3 */
}

int nested_main(int argc)
{
	return nested3(argc) + nested4(argc);
}
