/* The sinks of topic "entrycs" for its linked executable (no libc: entry
 * entrycs_main), in a unit of their own so the compiler cannot see through
 * them; the main corpus has its sinks in main.c. */
#include "common.h"

volatile long entrycs_sunk;

void sink_i(int v)
{
	entrycs_sunk = v;
}

void sink_l(long v)
{
	entrycs_sunk = v;
}
