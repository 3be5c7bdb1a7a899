/* Topic "const": constant arguments of every width and sign: small literals
 * (DW_OP_litN), values > 32 bits (DW_OP_constu / DW_AT_const_value data8),
 * negative signed values (DW_OP_consts / sdata), 0 and -1, booleans. */
#include "common.h"
#include <stdbool.h>

static inline uint64_t mix64(uint64_t v, int shift)
{
	sink_u64(v);
	sink_i(shift);
	return v >> shift;
}

static inline long sadd(long v, int delta, short s, signed char c)
{
	sink_l(v);
	sink_i(delta);
	sink_i(s);
	sink_i(c);
	return v + delta + s + c;
}

static inline int flag(bool on, unsigned char u8)
{
	sink_i(on);
	sink_i(u8);
	return on ? u8 : 0;
}

NOINLINE uint64_t const_wide(void)
{
	uint64_t r = 0;
	r += mix64(0xdeadbeeffeedfaceULL, 3);   /* > 32 bits */
	r += mix64(0x100000000ULL, 1);          /* exactly 2^32 */
	r += mix64(0xffffffffULL, 0);           /* 32-bit max, lit0 */
	r += mix64(0x8000000000000000ULL, 31);  /* top bit */
	return r;
}

NOINLINE long const_signed(void)
{
	long r = 0;
	r += sadd(-1, -2, -3, -4);
	r += sadd(-0x123456789aL, -100000, -32768, -128);
	r += sadd(42, 7, 1, 0);
	return r;
}

NOINLINE int const_flags(void)
{
	return flag(true, 255) + flag(false, 0);
}

int const_main(int argc)
{
	(void)argc;
	return (int)const_wide() + (int)const_signed() + const_flags();
}
