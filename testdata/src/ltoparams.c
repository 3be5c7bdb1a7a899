/* Topic "ltoparams": an inlined instance whose parameters name, as their
 * DW_AT_abstract_origin, the parameters of another abstract copy of its
 * function, which is what gcc -flto writes when two units' copies of one
 * header's inline function meet (glibc's memset in Debian's Python
 * _ctypes). One unit cannot hold two copies of a function, so
 * testdata/regen.sh builds this from gcc's assembly, edited by
 * testdata/ltoparams-edit.py: ltp_copy's abstract DIE becomes a second
 * ltp_mix, and the ltp_mix site's parameters point at its a and b.
 * Not linked into the all-* executables. */
#include "common.h"

static inline long ltp_mix(long a, int b)
{
	sink_l(a);
	return a * b;
}

static inline long ltp_copy(long a, int b)
{
	sink_l(a + 1);
	return a - b;
}

long ltoparams_main(long x, int y);
long ltoparams_main(long x, int y)
{
	return ltp_mix(x, y) + ltp_copy(y, 3);
}
