/* Topic "addr": pointers to globals passed to inline functions, so the
 * location at the site is DW_OP_addr A, DW_OP_stack_value; a per-cpu-like
 * global in ".data..percpu"; pointers to functions and to string literals. */
#include "common.h"

struct counter { long hits; long misses; };

struct counter global_counter;
static struct counter static_counter;
__attribute__((section(".data..percpu"))) struct counter percpu_counter;
__attribute__((section(".data..percpu"))) long percpu_long;
const char addr_banner[] = "btfgen";

static inline void bump(struct counter *c, long by)
{
	sink_p(c);
	sink_l(by);
	c->hits += by;
}

static inline void note(const void *p, int tag)
{
	sink_p(p);
	sink_i(tag);
}

NOINLINE void addr_globals(long n)
{
	bump(&global_counter, n);
	bump(&static_counter, 1);
	bump(&percpu_counter, 2);
	note(&percpu_long, 3);
	note(addr_banner, 4);
	note((const void *)addr_globals, 5);   /* function address */
	note(&global_counter.misses, 6);       /* address + offset */
}

int addr_main(int argc)
{
	addr_globals(argc);
	return (int)(static_counter.hits + percpu_counter.hits);
}
