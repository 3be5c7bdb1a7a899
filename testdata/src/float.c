/* Topic "float": float/double arguments in SSE (x86_64: DW_OP_reg17 XMM0..)
 * and FP/SIMD (aarch64: DW_OP_regx 64+ / V0..) registers, float constants
 * (DW_OP_implicit_value or const_value block), long double. */
#include "common.h"

static inline double lerp(double a, double b, float t)
{
	sink_d(a);
	sink_d(b);
	sink_f(t);
	return a + (b - a) * t;
}

static inline long double ldmul(long double x, int k)
{
	sink_d((double)x);
	sink_i(k);
	return x * k;
}

NOINLINE double float_regs(double a, double b, float t)
{
	double r = lerp(a, b, t);
	r += lerp(b, a, t * 2);
	return r;
}

NOINLINE double float_consts(double a)
{
	double r = lerp(1.5, 2.25, 0.5f);   /* constant doubles / float */
	r += lerp(a, 3.0e100, -0.25f);
	return r;
}

NOINLINE double float_long(long double x)
{
	return (double)ldmul(x, 3);
}

int float_main(int argc)
{
	return (int)(float_regs(argc, 2.0, 0.5f) + float_consts(argc) +
		     float_long(argc));
}
