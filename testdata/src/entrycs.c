/* Topic "entrycs": DW_OP_entry_value resolved through the callers' call
 * sites (issue 11 item 5). Each static function below takes `mode` in its
 * second argument register, calls out (clobbering it) and then has an
 * inlined `note_mode(mode)` whose argument is needed only by the debugger,
 * so its location there is DW_OP_entry_value(reg) (gcc). noipa keeps gcc's
 * IPA-CP from propagating the constant the callers pass (and from cloning),
 * so the value is known only from DW_TAG_call_site_parameter.
 *   cs_same:     static, every caller (one by a tail call) passes 7: provable
 *   cs_disagree: static, callers pass 1 and 2: not provable
 *   cs_addr:     static, always called with 5, but its address is taken
 *   cs_global:   external, always called with 5 here: another object may call it
 * Built only by `testdata/regen.sh entrycs` (and the full run), not linked
 * into the all-* executables. */
#include "common.h"

#if defined(__clang__)
#define NOIPA __attribute__((noinline))
#else
#define NOIPA __attribute__((noipa))
#endif

static inline void note_mode(int mode)
{
	sink_i(1);	/* mode is not used by the code, only described */
	(void)mode;
}

NOIPA static void cs_same(long x, int mode)
{
	sink_l(x);
	note_mode(mode);
}

NOIPA static void cs_disagree(long x, int mode)
{
	sink_l(x);
	note_mode(mode);
}

NOIPA static void cs_addr(long x, int mode)
{
	sink_l(x);
	note_mode(mode);
}

NOIPA void cs_global(long x, int mode);
NOIPA void cs_global(long x, int mode)
{
	sink_l(x);
	note_mode(mode);
}

void (*cs_addr_ptr)(long, int) = cs_addr;

NOINLINE void cs_tail(long x)
{
	cs_same(x + 3, 7);	/* a tail call at -O2 */
}

int entrycs_main(int argc)
{
	cs_same(argc, 7);
	sink_i(argc);
	cs_tail(argc);
	cs_disagree(argc, 1);
	cs_disagree(argc + 1, 2);
	cs_addr(argc, 5);
	cs_global(argc, 5);
	return 0;
}
