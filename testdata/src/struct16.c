/* Topic "struct16": 16-byte aggregates passed by value in two registers;
 * at an inline site the parameter is a DW_OP_piece sequence
 * (DW_OP_reg5 RDI, DW_OP_piece 0x8, DW_OP_reg4 RSI, DW_OP_piece 0x8).
 * Also __int128 and a struct of two ints (8 bytes, one register). */
#include "common.h"

struct pair { long lo; long hi; };
struct ipair { int a; int b; };

static inline long pair_sum(struct pair p, int k)
{
	sink_l(p.lo);
	sink_l(p.hi);
	sink_i(k);
	return p.lo + p.hi + k;
}

static inline long ipair_sum(struct ipair p)
{
	sink_i(p.a);
	sink_i(p.b);
	return p.a + p.b;
}

static inline __int128 wide(__int128 v)
{
	sink_u64((uint64_t)v);
	sink_u64((uint64_t)(v >> 64));
	return v + 1;
}

NOINLINE long struct16_pass(struct pair p, int k)
{
	return pair_sum(p, k);          /* arrives in two registers */
}

NOINLINE long struct16_build(long a, long b)
{
	struct pair p = { a, b };
	long r = pair_sum(p, 1);
	struct pair q = { b, a + b };
	r += pair_sum(q, 2);
	return r;
}

NOINLINE long struct16_ipair(int a, int b)
{
	struct ipair p = { a, b };
	return ipair_sum(p);
}

NOINLINE long struct16_int128(__int128 v)
{
	return (long)wide(v);
}

int struct16_main(int argc)
{
	struct pair p = { argc, argc * 2 };
	return (int)(struct16_pass(p, argc) + struct16_build(argc, 3) +
		     struct16_ipair(argc, 4) + struct16_int128(argc));
}
