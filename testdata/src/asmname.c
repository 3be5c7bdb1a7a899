/* Topic "asmname": functions whose symbol is an assembler label with a dot
 * in it (`__asm__("asmname.hot")`), as kernels and C libraries write for
 * entry points and aliases. Both compilers put the label into the DWARF of
 * the out-of-line function (DW_AT_linkage_name), so a function's own DWARF
 * name can have a dot and still be no clone (`.isra`, `.constprop`, ...).
 *   asm_hot:  external, noinline, labelled asmname.hot
 *   asm_sq:   static inline, labelled asmname.sq, inlined into asmname_main
 *             and kept out of line as well (its address is taken)
 *   asm_twice: static inline, unlabelled, inlined into the labelled asm_hot
 *   asm_sum:  external, labelled asmname.sum, a struct in its prototype
 * Built only by `testdata/regen.sh asmname` (and the full run), not linked
 * into the all-* executables. */
#include "common.h"

static inline int asm_twice(int v)
{
	sink_i(v);
	return v + v;
}

NOINLINE int asm_hot(int x) __asm__("asmname.hot");
NOINLINE int asm_hot(int x)
{
	return asm_twice(x * 3);
}

static inline int asm_sq(int v) __asm__("asmname.sq");
static inline int asm_sq(int v)
{
	sink_i(v);
	return v * v;
}

int (*asmname_keep)(int) = asm_sq;

struct asm_pair {
	int a;
	long b;
	const char *tag;
};

NOINLINE long asm_sum(const struct asm_pair *p) __asm__("asmname.sum");
NOINLINE long asm_sum(const struct asm_pair *p)
{
	sink_p(p->tag);
	return p->a + p->b;
}

int asmname_main(int argc);
int asmname_main(int argc)
{
	struct asm_pair pair = { argc, argc * 2L, "pair" };

	return asm_hot(argc) + asm_sq(argc + 1) + (int)asm_sum(&pair);
}
