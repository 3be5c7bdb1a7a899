/* Topic "types": the BTF type encoder's inputs: bitfields, unions
 * (named and anonymous), enums (signed, unsigned, 64-bit values), typedef
 * chains, arrays (multi-dimensional, flexible), function pointers,
 * const/volatile/restrict qualifiers, forward declarations, _Bool, char
 * types, long double. All reachable from exported globals/functions so that
 * DWARF keeps them. */
#include "common.h"
#include <stdbool.h>

typedef unsigned int u32_t;
typedef u32_t id_t2;              /* typedef of typedef */
typedef const volatile id_t2 cv_id_t;

enum color { RED, GREEN = 5, BLUE = -3 };
enum big_enum { BIG_ZERO = 0, BIG_HUGE = 0x123456789aULL };
enum __attribute__((packed)) small_enum { S_A = 1, S_B = 200 };

struct flags {
	unsigned int a : 1;
	unsigned int b : 3;
	signed int c : 5;
	unsigned long long d : 40;
	enum color col : 4;
	bool e : 1;
};

union value {
	long l;
	double d;
	unsigned char bytes[8];
	struct { int lo, hi; };           /* anonymous struct member */
};

struct fwd;                           /* never defined */

typedef int (*cmp_fn)(const void *, const void *);
typedef void (*handler_t)(int, struct fwd *, ...);

struct node {
	struct node *next;
	const char *name;
	volatile int refs;
	union value val;
	union { long tag; void *ptr; };   /* anonymous union member */
	struct flags fl;
	int matrix[3][4];
	cmp_fn cmp;
	handler_t handlers[2];
	struct fwd *opaque;
	enum small_enum se;
	enum big_enum be;
	long double ld;
	signed char sc;
	unsigned char uc;
	char c;
	_Bool bb;
	unsigned long data[];             /* flexible array */
};

cv_id_t types_cv_id = 7;
struct node types_node;
const volatile int *restrict types_restrict_ptr;
enum color types_color = BLUE;
union value types_value;
int (*types_fp_array[3])(int);

static inline int node_refs(struct node *n, enum color c)
{
	sink_p(n);
	sink_i(c);
	return n->refs + n->fl.c + (int)n->fl.d;
}

NOINLINE int types_use(struct node *n, union value v, struct flags f,
		       const char *restrict s)
{
	int r = node_refs(n, GREEN);
	r += f.a + f.b + f.c + (int)v.l;
	sink_p(s);
	return r;
}

int types_main(int argc)
{
	struct flags f = { .a = 1, .b = 2, .c = -3, .d = 1234, .col = GREEN };
	types_value.l = argc;
	return types_use(&types_node, types_value, f, "s") + (int)types_cv_id;
}
