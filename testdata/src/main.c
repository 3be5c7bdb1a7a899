/* Links every topic into one executable (testdata/obj/all-*). Also defines
 * the opaque sink/source helpers used by the topics. */
#include "common.h"

volatile long fixture_sink_v;
volatile double fixture_sink_d;

NOINLINE void sink_i(int v) { fixture_sink_v += v; }
NOINLINE void sink_l(long v) { fixture_sink_v += v; }
NOINLINE void sink_u64(uint64_t v) { fixture_sink_v += (long)v; }
NOINLINE void sink_p(const void *p) { fixture_sink_v += (long)(uintptr_t)p; }
NOINLINE void sink_d(double v) { fixture_sink_d += v; }
NOINLINE void sink_f(float v) { fixture_sink_d += v; }
NOINLINE long source_l(void) { return fixture_sink_v; }
NOINLINE int source_i(void) { return (int)fixture_sink_v; }

int main(int argc, char **argv)
{
	(void)argv;
	int r = 0;
	r += inline_main(argc);
	r += const_main(argc);
	r += stack_main(argc);
	r += struct16_main(argc);
	r += nested_main(argc);
	r += clones_main(argc);
	r += entryval_main(argc);
	r += variadic_main(argc);
	r += addr_main(argc);
	r += float_main(argc);
	r += types_main(argc);
	return r & 1;
}
